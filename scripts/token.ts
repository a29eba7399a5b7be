import { parseArgs } from 'node:util';
import { mintToken } from '../src/auth/token-signer.js';
import { DEV_JWT_SECRET } from '../src/config/env.validation.js';

/*
 * Mints a development token: `npm run token -- --user alice [--admin] [--worker] [--hours 24]`.
 * Signs with AUTH_JWT_SECRET, or the development default the service also uses outside production.
 */
const { values } = parseArgs({
  options: {
    user: { type: 'string', default: 'dev-user' },
    admin: { type: 'boolean', default: false },
    worker: { type: 'boolean', default: false },
    hours: { type: 'string', default: '24' },
  },
});
const secret = process.env.AUTH_JWT_SECRET || DEV_JWT_SECRET;
const roles = [...(values.admin ? ['admin'] : []), ...(values.worker ? ['worker'] : [])];
console.log(mintToken(values.user, secret, { roles, expiresIn: Number(values.hours) * 3600 }));

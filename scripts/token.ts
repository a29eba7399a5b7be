import { JwtService } from '@nestjs/jwt';
import { parseArgs } from 'node:util';
import { DEV_JWT_SECRET } from '../src/config/env.validation.js';

/*
 * Mints a development token: `npm run token -- --user alice [--admin] [--hours 24]`.
 * Signs with AUTH_JWT_SECRET, or the development default the service also uses outside production.
 */
const { values } = parseArgs({
  options: {
    user: { type: 'string', default: 'dev-user' },
    admin: { type: 'boolean', default: false },
    hours: { type: 'string', default: '24' },
  },
});
const secret = process.env.AUTH_JWT_SECRET || DEV_JWT_SECRET;
const token = new JwtService().sign(
  { sub: values.user, roles: values.admin ? ['admin'] : [] },
  { secret, algorithm: 'HS256', expiresIn: Number(values.hours) * 3600 },
);
console.log(token);

import { parseArgs } from 'node:util';
import { mintToken } from '../src/auth/token-signer.js';
import { readEnvFile } from '../src/config/env-file.js';
import { DEV_JWT_SECRET } from '../src/config/env.validation.js';

/*
 * Mints a development token: `npm run token -- --user alice [--admin] [--worker] [--hours 24]`.
 * Signs with AUTH_JWT_SECRET (the environment, then .env, as the service reads them), or the
 * development default the service also uses outside production. A service started elsewhere
 * with another secret (a container) answers 401 "signature does not match this service's
 * secret": mint there instead (`docker compose exec app node dist/scripts/token.js --user alice`).
 */
const USAGE = `Usage: npm run token -- --user <id> [--admin] [--worker] [--hours <n>]

Prints a bearer token (HS256) for the service's API on stdout.
  --user <id>   the token's subject: the user whose sessions it reads and writes (required)
  --admin       add the admin role (the /api/v1/admin routes)
  --worker      add the worker role (the /api/v1/work routes, for remote workers)
  --hours <n>   hours until it expires (default 24; fractions allowed)
  --help        this text

Signed with AUTH_JWT_SECRET from the environment or ./.env, else the development default.`;

function fail(message: string): never {
  console.error(`token: ${message}\n\n${USAGE}`);
  process.exit(2);
}

function options() {
  try {
    return parseArgs({
      options: {
        user: { type: 'string' },
        admin: { type: 'boolean', default: false },
        worker: { type: 'boolean', default: false },
        hours: { type: 'string', default: '24' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }).values;
  } catch (error) {
    return fail((error as Error).message);
  }
}

const values = options();
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
if (!values.user) fail('--user is required (the user the token speaks for, e.g. --user alice)');
const hours = Number(values.hours);
if (!/^\d+(\.\d+)?$/.test(values.hours) || !(hours > 0)) fail(`--hours must be a positive number, not ${JSON.stringify(values.hours)}`);

readEnvFile();
const secret = process.env.AUTH_JWT_SECRET || DEV_JWT_SECRET;
const roles = [...(values.admin ? ['admin'] : []), ...(values.worker ? ['worker'] : [])];
console.log(mintToken(values.user, secret, { roles, expiresIn: Math.round(hours * 3600) }));
if (process.stderr.isTTY) {
  const source = process.env.AUTH_JWT_SECRET ? 'AUTH_JWT_SECRET' : 'the development secret';
  console.error(`token for ${values.user}${roles.length ? ` (${roles.join(', ')})` : ''}, valid ${hours} h, signed with ${source}`);
}

import { IsBoolean, IsIn, IsInt, IsUrl, Length, Matches, Max, Min, registerDecorator, ValidateIf, validateSync } from 'class-validator';
import { validateCronExpression } from 'cron';
import { LOG_LEVELS } from '../common/app-logger.js';

/** The development-only secret: the default of AUTH_JWT_SECRET, refused when NODE_ENV is production. */
export const DEV_JWT_SECRET = 'dev-only-secret-change-me';

/**
 * Secrets anyone can read (this default, the one in .env.example, and anything asking to be
 * changed): production refuses them, so `docker compose --env-file .env.example` cannot go live
 * with a published key.
 */
export function isPlaceholderSecret(secret: string): boolean {
  return secret === DEV_JWT_SECRET || /change[-_ ]?me/i.test(secret);
}

/** A cron expression the scheduler will accept, checked by the parser it uses (@nestjs/schedule's cron). */
function IsCronExpression(): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isCronExpression',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: 'a cron expression of 5 or 6 fields, such as "0 3 * * *", or off' },
      validator: { validate: (value: unknown) => typeof value === 'string' && validateCronExpression(value).valid },
    });
}

/** One message for the three checks, so a bad number gets one line whichever bound it misses. */
function IsIntBetween(min: number, max: number): PropertyDecorator {
  const message = `an integer from ${min} to ${max}`;
  return (target, key) => [IsInt({ message }), Min(min, { message }), Max(max, { message })].forEach((rule) => rule(target, key));
}

/**
 * Every variable the service reads: its rule, and its default as the initializer (the only place
 * a default is written). Each message completes "must be ...".
 */
class EnvironmentVariables {
  @IsIn(['development', 'production', 'test'], { message: 'one of development, production, test' })
  readonly NODE_ENV: 'development' | 'production' | 'test' = 'development';

  @IsIntBetween(0, 65535)
  readonly PORT: number = 3000;

  // How much the service says: Nest's module and route lines from `debug` on.
  @IsIn(LOG_LEVELS, { message: `one of ${LOG_LEVELS.join(', ')}` })
  readonly LOG_LEVEL: (typeof LOG_LEVELS)[number] = 'log';

  // Unset, and nothing answers at this default: the embedded database (database-choice.ts), as
  // with `embedded`, which asks for it even when a server runs. Never in production.
  @Matches(/^(postgres(ql)?:\/\/.+|embedded)$/, { message: 'a postgres:// URL, or embedded' })
  readonly DATABASE_URL: string = 'postgres://postgres@127.0.0.1:5432/session_store';

  // Read replicas of DATABASE_URL (streaming standbys), comma-separated; empty: every read on the primary.
  @ValidateIf((env: EnvironmentVariables) => env.DATABASE_READ_URL !== '')
  @Matches(/^\s*postgres(ql)?:\/\/[^\s,]+(\s*,\s*postgres(ql)?:\/\/[^\s,]+)*\s*$/, {
    message: 'postgres:// URLs separated by commas, or empty',
  })
  readonly DATABASE_READ_URL: string = '';

  // A replica further behind the primary than this is skipped until it catches up.
  @IsIntBetween(0, 3600000)
  readonly READ_REPLICA_MAX_LAG_MS: number = 1000;

  // Connections of this instance for requests; limit=all streams get a separate quarter of it.
  @IsIntBetween(1, 1000)
  readonly DATABASE_POOL_SIZE: number = 10;

  // Group commit: appends arriving while this many append statements are in flight wait and go
  // together in the next (one statement and commit for many sessions); 0: every append alone.
  @IsIntBetween(0, 64)
  readonly APPEND_GROUP_STATEMENTS: number = 2;

  // How long the service waits for one statement's answer before it gives up on it (its last resort).
  @IsIntBetween(100, 3600000)
  readonly DATABASE_QUERY_TIMEOUT_MS: number = 15000;

  // PostgreSQL cancels (and rolls back) a statement running longer; shorter than the above (validateEnv).
  @IsIntBetween(10, 3600000)
  readonly DATABASE_STATEMENT_TIMEOUT_MS: number = 10000;

  // A fork's one statement copies the whole history in one snapshot: its own bound, longer (the
  // client waits the same margin longer than PostgreSQL). Forks run one per user, a quarter of the pool at most.
  @IsIntBetween(10, 3600000)
  readonly FORK_STATEMENT_TIMEOUT_MS: number = 60000;

  // A limit=all answer waits for its client, holding one of those connections (and a snapshot), at
  // most this long per MiB the client took, plus once for the start; a slower reader is cut off.
  @IsIntBetween(1, 3_600_000)
  readonly HISTORY_STREAM_MS_PER_MIB: number = 500;

  // An empty string is meaningful: run without a cache (and so without the control plane's queue).
  @ValidateIf((env: EnvironmentVariables) => env.REDIS_URL !== '')
  @Matches(/^rediss?:\/\/.+/, { message: 'a redis:// URL, or empty to run without a cache' })
  readonly REDIS_URL: string = 'redis://127.0.0.1:6379/0';

  // true: REDIS_URL names seed nodes of a Redis Cluster (`redis://h1:p1,h2:p2,...`); see docs/operations.md.
  @IsBoolean({ message: 'true or false' })
  readonly REDIS_CLUSTER: boolean = false;

  // On a cluster, how long a session copy's write waits for a replica (`WAIT 1 <ms>`); see docs/operations.md.
  @IsIntBetween(1, 60_000)
  readonly REDIS_REPLICA_WAIT_MS: number = 100;

  // Empty: unset. Then the development secret is used, unless an identity provider is configured.
  @ValidateIf((env: EnvironmentVariables) => env.AUTH_JWT_SECRET !== '')
  @Length(16, 512, { message: 'from 16 to 512 characters' })
  readonly AUTH_JWT_SECRET: string = '';

  // An identity provider (RS256/ES256): its key set, and the issuer and audience its tokens must name.
  @ValidateIf((env: EnvironmentVariables) => env.AUTH_JWKS_URL !== '')
  @IsUrl({ protocols: ['http', 'https'], require_tld: false, require_protocol: true }, { message: 'an http(s) URL' })
  readonly AUTH_JWKS_URL: string = '';

  @ValidateIf((env: EnvironmentVariables) => env.AUTH_JWKS_URL !== '' || env.AUTH_ISSUER !== '')
  @Length(1, 2048, { message: 'set (1..2048 characters) when AUTH_JWKS_URL is' })
  readonly AUTH_ISSUER: string = '';

  @ValidateIf((env: EnvironmentVariables) => env.AUTH_JWKS_URL !== '' || env.AUTH_AUDIENCE !== '')
  @Length(1, 2048, { message: 'set (1..2048 characters) when AUTH_JWKS_URL is' })
  readonly AUTH_AUDIENCE: string = '';

  @IsIntBetween(1, 30 * 86400)
  readonly SESSION_CACHE_TTL_SECONDS: number = 86400;

  // The latest messages of each read or written history kept in Redis (GET .../messages?limit<=N); 0: none.
  @IsIntBetween(0, 1000)
  readonly HISTORY_TAIL_CACHE_SIZE: number = 50;

  // The cap of a session's history when the session sets none of its own (historyLimit); 0: none.
  @IsIntBetween(0, 1_000_000_000)
  readonly HISTORY_MAX_MESSAGES: number = 0;

  // The same in UTF-8 bytes of the messages' content as stored; 0: none.
  @IsIntBetween(0, 1_000_000_000_000_000)
  readonly HISTORY_MAX_BYTES: number = 0;

  @IsIntBetween(1, 36500)
  readonly SESSION_RETENTION_DAYS: number = 30;

  // true: an owner's GET of a session or its messages moves its expiry as a write would.
  @IsBoolean({ message: 'true or false' })
  readonly EXPIRY_SLIDES_ON_READ: boolean = false;

  // `off`: this instance schedules no cleanup (another one does, or an external `npm run cleanup`).
  @ValidateIf((env: EnvironmentVariables) => env.CLEANUP_CRON !== 'off')
  @IsCronExpression()
  readonly CLEANUP_CRON: string = '0 3 * * *';

  @IsIntBetween(1, 100000)
  readonly CLEANUP_BATCH_SIZE: number = 1000;

  @IsIntBetween(1024, 64 * 1024 * 1024)
  readonly BODY_LIMIT_BYTES: number = 1048576;

  // POST/PUT of messages only: an agent's whole batch (or history) is one request, one transaction.
  @IsIntBetween(1024, 256 * 1024 * 1024)
  readonly MESSAGES_BODY_LIMIT_BYTES: number = 33554432;

  // Items of one POST/PUT of messages (and a remote worker's append): beyond, 413 TOO_MANY_ITEMS, nothing stored.
  @IsIntBetween(1, 1_000_000)
  readonly MESSAGES_MAX_ITEMS: number = 10000;

  // HTTP hardening: a request's headers, and the whole request, must arrive within these (else 408).
  @IsIntBetween(10, 3600000)
  readonly HTTP_HEADERS_TIMEOUT_MS: number = 10000;

  @IsIntBetween(10, 3600000)
  readonly HTTP_REQUEST_TIMEOUT_MS: number = 30000;

  // Comma-separated origins allowed by CORS; empty, CORS stays off.
  @ValidateIf((env: EnvironmentVariables) => env.CORS_ORIGINS !== '')
  @Matches(/^\s*https?:\/\/[^\s,/]+(\s*,\s*https?:\/\/[^\s,/]+)*\s*$/, {
    message: 'comma-separated origins such as https://app.example.com',
  })
  readonly CORS_ORIGINS: string = '';

  // Fairness (src/limits): requests per user per minute on /api/v1 (0 turns the limiter off), and quotas.
  @IsIntBetween(0, 1_000_000_000)
  readonly RATE_LIMIT_PER_MINUTE: number = 1200;

  // Request bodies per user per minute, in MiB (0: no such budget): what one user's largest legal
  // appends may cost the instances' CPU and PostgreSQL's WAL in a minute.
  @IsIntBetween(0, 1_000_000)
  readonly RATE_LIMIT_BODY_MIB_PER_MINUTE: number = 128;

  @IsIntBetween(1, 1_000_000)
  readonly MAX_RUNNING_PER_USER: number = 5;

  @IsIntBetween(1, 1_000_000_000)
  readonly MAX_SESSIONS_PER_USER: number = 100000;

  // Event streams (src/events): open at once per user, across instances; and what a stream may
  // leave unsent before it is cut off (at least one event's 64 KiB, so a reading client always gets on).
  @IsIntBetween(1, 1_000_000)
  readonly MAX_STREAMS_PER_USER: number = 20;

  @IsIntBetween(65536, 1024 * 1024 * 1024)
  readonly STREAM_BUFFER_BYTES: number = 1048576;

  // The control plane (see docs/control-plane.md): who runs work, what it runs, and when a silent worker counts as lost.
  @IsBoolean({ message: 'true or false' })
  readonly WORKER_ENABLED: boolean = true;

  @IsIntBetween(1, 256)
  readonly WORKER_CONCURRENCY: number = 4;

  // Where started sessions wait for a worker: BullMQ on Redis (any instance runs them), or
  // in-process (this instance runs what it starts; set by the embedded first run without Redis).
  @IsIn(['redis', 'in-process'], { message: 'redis or in-process' })
  readonly WORK_QUEUE: 'redis' | 'in-process' = 'redis';

  // A registered name, or `module:<path>` of an ES module of the user's: checked (and the module
  // loaded) by control/handlers/handler-catalog.ts, which knows the names.
  readonly DELIBERATION_HANDLER: string = 'scripted';

  // Handlers run by remote workers over HTTP (/api/v1/work): sessions started with them wait to be claimed.
  @ValidateIf((env: EnvironmentVariables) => env.REMOTE_HANDLERS !== '')
  @Matches(/^\s*[a-z0-9][a-z0-9_-]{0,63}(\s*,\s*[a-z0-9][a-z0-9_-]{0,63})*\s*$/, {
    message: 'comma-separated handler names (lower-case letters, digits, - and _, up to 64 each), or empty',
  })
  readonly REMOTE_HANDLERS: string = '';

  // How long a remote worker's lease lasts without a heartbeat before its session fails as lost.
  @IsIntBetween(1, 3600)
  readonly WORK_LEASE_SECONDS: number = 30;

  @IsIntBetween(1, 1000)
  readonly DELIBERATION_ROUNDS: number = 3;

  @IsIntBetween(0, 3600000)
  readonly DELIBERATION_STEP_MS: number = 1000;

  @IsIntBetween(1, 86400)
  readonly RUNNING_STALE_AFTER_SECONDS: number = 60;

  // Empty: `control:<database name>` (app.config.ts), so that instances of different databases
  // sharing a Redis index never share a work queue; set, it is used as given.
  @ValidateIf((env: EnvironmentVariables) => env.CONTROL_KEY_PREFIX !== '')
  @Matches(/^[A-Za-z0-9_.-]{1,64}$/, { message: '1..64 letters, digits, dots, dashes or underscores' })
  readonly CONTROL_KEY_PREFIX: string = '';

  // Webhooks (src/webhooks): where sessions that end are POSTed, signed per Standard Webhooks. Empty: none.
  @ValidateIf((env: EnvironmentVariables) => env.WEBHOOK_URL !== '')
  @IsUrl({ protocols: ['http', 'https'], require_tld: false, require_protocol: true }, { message: 'an http(s) URL, or empty' })
  readonly WEBHOOK_URL: string = '';

  // The Standard Webhooks form: "whsec_" and the base64 of 24..64 random bytes.
  @ValidateIf((env: EnvironmentVariables) => env.WEBHOOK_URL !== '' || env.WEBHOOK_SECRET !== '')
  @Matches(/^whsec_[A-Za-z0-9+/]{32,88}={0,2}$/, {
    message: 'set when WEBHOOK_URL is: "whsec_" and the base64 of 24..64 random bytes (e.g. whsec_$(openssl rand -base64 32))',
  })
  readonly WEBHOOK_SECRET: string = '';

  // true: bodies strict JSON parsers accept (lone surrogates become U+FFFD, numbers beyond a double null).
  @IsBoolean({ message: 'true or false' })
  readonly WEBHOOK_STRICT_JSON: boolean = false;
}

/** The parsed environment: every variable present, typed, defaults applied. */
export type Env = Readonly<EnvironmentVariables>;

// Printed in error lines as their length only.
const SECRETS = new Set(['AUTH_JWT_SECRET', 'WEBHOOK_SECRET']);

/**
 * A raw value converted to the type of the variable's default. A value that does not convert
 * stays a string, so the rule refuses it with its message; an empty number means "unset".
 */
function convert(value: string, fallback: unknown): unknown {
  if (typeof fallback === 'number') return value === '' ? fallback : /^-?\d+$/.test(value) ? Number(value) : value;
  if (typeof fallback === 'boolean') return value === 'true' ? true : value === 'false' ? false : value;
  return value;
}

/**
 * Parses and validates the environment once, for the app, the worker and the scripts. Throws one
 * line per bad variable ("Invalid environment variable NAME=value: must be ..."), all at once.
 */
export function validateEnv(raw: Record<string, string | undefined>): Env {
  const env = new EnvironmentVariables();
  const fields = env as unknown as Record<string, unknown>;
  for (const key of Object.keys(env)) {
    if (raw[key] !== undefined) fields[key] = convert(raw[key], fields[key]);
  }
  const shown = (key: string) => (SECRETS.has(key) ? `<${raw[key]?.length} characters>` : JSON.stringify(raw[key]));
  const lines = validateSync(env).map(
    (error) =>
      `Invalid environment variable ${error.property}=${shown(error.property)}: must be ${Object.values(error.constraints ?? {})[0]}`,
  );
  if (env.NODE_ENV === 'production' && env.AUTH_JWT_SECRET && isPlaceholderSecret(env.AUTH_JWT_SECRET)) {
    lines.push(
      "Invalid environment variable AUTH_JWT_SECRET: must not be a placeholder (the development default or .env.example's) when NODE_ENV=production; generate one with `openssl rand -hex 32`",
    );
  } else if (env.NODE_ENV === 'production' && !env.AUTH_JWT_SECRET && !env.AUTH_JWKS_URL) {
    lines.push('Invalid environment variable AUTH_JWT_SECRET: must be set when NODE_ENV=production, unless AUTH_JWKS_URL is');
  }
  // PostgreSQL must give up on a statement before the service does, or a 503 could hide a commit.
  const timeoutsValid = !lines.some((line) => /_(STATEMENT|QUERY)_TIMEOUT_MS=/.test(line));
  if (timeoutsValid && env.DATABASE_STATEMENT_TIMEOUT_MS >= env.DATABASE_QUERY_TIMEOUT_MS) {
    lines.push(
      `Invalid environment variable DATABASE_STATEMENT_TIMEOUT_MS=${env.DATABASE_STATEMENT_TIMEOUT_MS}: must be shorter than DATABASE_QUERY_TIMEOUT_MS (${env.DATABASE_QUERY_TIMEOUT_MS}), so that PostgreSQL gives up first`,
    );
  }
  lines.push(...clusterUrlProblems(env));
  if (lines.length > 0) throw new Error(lines.join('\n'));
  return env;
}

/** Several nodes only with REDIS_CLUSTER; a cluster has database 0 only. */
function clusterUrlProblems(env: Env): string[] {
  const url = env.REDIS_URL;
  if (url === '' || typeof env.REDIS_CLUSTER !== 'boolean') return [];
  const invalid = `Invalid environment variable REDIS_URL=${JSON.stringify(url)}: must`;
  if (!env.REDIS_CLUSTER && /^rediss?:\/\/[^/]*,/.test(url)) return [`${invalid} name one server unless REDIS_CLUSTER=true`];
  if (env.REDIS_CLUSTER && !/^rediss?:\/\/[^/?#]+(\/0?)?$/.test(url))
    return [`${invalid} be redis://[user:password@]host:port,host:port,... (database 0) with REDIS_CLUSTER=true`];
  return [];
}

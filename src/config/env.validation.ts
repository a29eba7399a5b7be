import { plainToInstance } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  registerDecorator,
  ValidateIf,
  validateSync,
} from 'class-validator';
import { validateCronExpression } from 'cron';

/** A cron expression the scheduler will accept, checked by the parser it uses (@nestjs/schedule's cron). */
function IsCronExpression(): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isCronExpression',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: 'a cron expression of 5 or 6 fields, such as "0 3 * * *", or off' },
      validator: { validate: (value: unknown) => typeof value !== 'string' || validateCronExpression(value).valid },
    });
}

/** The development-only secret; refused when NODE_ENV is production (see validateEnv). */
export const DEV_JWT_SECRET = 'dev-only-secret-change-me';

/**
 * Every variable of the contract, with its bound. Numbers arrive as strings and are
 * converted here once, so every reader downstream gets the typed value.
 */
class EnvironmentVariables {
  @IsOptional() @IsIn(['development', 'production', 'test'])
  NODE_ENV?: string;

  @IsOptional() @IsInt() @Min(0) @Max(65535)
  PORT?: number;

  @IsOptional() @Matches(/^postgres(ql)?:\/\/.+/, { message: 'a postgres:// URL' })
  DATABASE_URL?: string;

  // An empty string is meaningful: run without a cache.
  @IsOptional() @ValidateIf((env) => env.REDIS_URL !== '') @Matches(/^rediss?:\/\/.+/, { message: 'a redis:// URL, or empty to run without a cache' })
  REDIS_URL?: string;

  @IsOptional() @IsString() @MinLength(16, { message: 'at least 16 characters' }) @MaxLength(512)
  AUTH_JWT_SECRET?: string;

  @IsOptional() @IsInt() @Min(1) @Max(30 * 86400)
  SESSION_CACHE_TTL_SECONDS?: number;

  @IsOptional() @IsInt() @Min(1) @Max(36500)
  SESSION_RETENTION_DAYS?: number;

  // `off`: this instance schedules no cleanup (another one does, or an external `npm run cleanup`).
  @IsOptional() @ValidateIf((env) => env.CLEANUP_CRON !== 'off') @IsCronExpression()
  CLEANUP_CRON?: string;

  @IsOptional() @IsInt() @Min(1) @Max(100000)
  CLEANUP_BATCH_SIZE?: number;

  @IsOptional() @IsInt() @Min(1024) @Max(64 * 1024 * 1024)
  BODY_LIMIT_BYTES?: number;

  // HTTP hardening: a request's headers, and the whole request, must arrive within these (else 408).
  @IsOptional() @IsInt() @Min(10) @Max(3600000)
  HTTP_HEADERS_TIMEOUT_MS?: number;

  @IsOptional() @IsInt() @Min(10) @Max(3600000)
  HTTP_REQUEST_TIMEOUT_MS?: number;

  // Comma-separated origins allowed by CORS; unset, CORS stays off.
  @IsOptional() @Matches(/^\s*https?:\/\/[^\s,/]+(\s*,\s*https?:\/\/[^\s,/]+)*\s*$/, { message: 'comma-separated origins such as https://app.example.com' })
  CORS_ORIGINS?: string;

  // The control plane (see README): who runs work, what it runs, and when a silent worker counts as lost.
  @IsOptional() @IsIn(['true', 'false'])
  WORKER_ENABLED?: string;

  @IsOptional() @IsInt() @Min(1) @Max(256)
  WORKER_CONCURRENCY?: number;

  @IsOptional() @Matches(/^[a-z][a-z0-9-]{0,63}$/, { message: 'a handler name such as scripted' })
  DELIBERATION_HANDLER?: string;

  @IsOptional() @IsInt() @Min(1) @Max(1000)
  DELIBERATION_ROUNDS?: number;

  @IsOptional() @IsInt() @Min(0) @Max(3600000)
  DELIBERATION_STEP_MS?: number;

  @IsOptional() @IsInt() @Min(1) @Max(86400)
  RUNNING_STALE_AFTER_SECONDS?: number;

  @IsOptional() @Matches(/^[A-Za-z0-9_.-]{1,64}$/, { message: '1..64 letters, digits, dots, dashes or underscores' })
  CONTROL_KEY_PREFIX?: string;
}

const NUMERIC = [
  'PORT', 'SESSION_CACHE_TTL_SECONDS', 'SESSION_RETENTION_DAYS', 'BODY_LIMIT_BYTES', 'CLEANUP_BATCH_SIZE',
  'WORKER_CONCURRENCY', 'DELIBERATION_ROUNDS', 'DELIBERATION_STEP_MS', 'RUNNING_STALE_AFTER_SECONDS',
  'HTTP_HEADERS_TIMEOUT_MS', 'HTTP_REQUEST_TIMEOUT_MS',
];

/**
 * Validates process.env for ConfigModule. Throws one line naming the first bad variable and
 * what it must be, which main.ts prints before exiting.
 */
export function validateEnv(raw: Record<string, unknown>): Record<string, unknown> {
  const env: Record<string, unknown> = { ...raw };
  for (const key of NUMERIC) {
    if (env[key] === '' || env[key] === undefined) delete env[key];
    else if (typeof env[key] === 'string' && /^-?\d+$/.test(env[key] as string)) env[key] = Number(env[key]);
  }
  const typed = plainToInstance(EnvironmentVariables, env);
  const [first] = validateSync(typed, { skipMissingProperties: false });
  if (first) {
    const rule = Object.values(first.constraints ?? {})[0] ?? 'valid';
    throw new Error(`Invalid environment variable ${first.property}=${JSON.stringify(raw[first.property])}: must be ${rule}`);
  }
  if (env.NODE_ENV === 'production' && !env.AUTH_JWT_SECRET) {
    throw new Error('Invalid environment variable AUTH_JWT_SECRET: must be set when NODE_ENV=production');
  }
  return env;
}

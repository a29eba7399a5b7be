import { registerAs } from '@nestjs/config';
import { DEV_JWT_SECRET } from './env.validation.js';

// Each namespace reads the variables validateEnv has already checked; the defaults are the contract's.
const int = (value: string | undefined, fallback: number) => (value ? Number(value) : fallback);

export const appConfig = registerAs('app', () => ({
  port: int(process.env.PORT, 3000),
  bodyLimitBytes: int(process.env.BODY_LIMIT_BYTES, 1048576),
  // HTTP hardening: slow clients get a 408, browsers on other origins only when listed.
  headersTimeoutMs: int(process.env.HTTP_HEADERS_TIMEOUT_MS, 10000),
  requestTimeoutMs: int(process.env.HTTP_REQUEST_TIMEOUT_MS, 30000),
  corsOrigins: (process.env.CORS_ORIGINS ?? '').split(',').map((origin) => origin.trim()).filter(Boolean),
  production: process.env.NODE_ENV === 'production',
}));

export const databaseConfig = registerAs('database', () => ({
  url: process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/session_store',
}));

export const redisConfig = registerAs('redis', () => ({
  // undefined keeps the default; '' turns the cache off.
  url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0',
  cacheTtlSeconds: int(process.env.SESSION_CACHE_TTL_SECONDS, 86400),
}));

export const authConfig = registerAs('auth', () => ({
  jwtSecret: process.env.AUTH_JWT_SECRET || DEV_JWT_SECRET,
}));

export const sessionsConfig = registerAs('sessions', () => ({
  retentionDays: int(process.env.SESSION_RETENTION_DAYS, 30),
  cleanupCron: process.env.CLEANUP_CRON || '0 3 * * *',
  cleanupBatchSize: int(process.env.CLEANUP_BATCH_SIZE, 1000),
}));

export const controlConfig = registerAs('control', () => ({
  // An API-only instance sets false; without Redis there is no queue, so no worker either.
  workerEnabled: process.env.WORKER_ENABLED !== 'false' && process.env.REDIS_URL !== '',
  workerConcurrency: int(process.env.WORKER_CONCURRENCY, 4),
  handler: process.env.DELIBERATION_HANDLER || 'scripted',
  rounds: int(process.env.DELIBERATION_ROUNDS, 3),
  stepMs: int(process.env.DELIBERATION_STEP_MS, 1000),
  staleAfterSeconds: int(process.env.RUNNING_STALE_AFTER_SECONDS, 60),
  // Namespaces the queue, the cancel channel and the live-progress keys in a shared Redis.
  keyPrefix: process.env.CONTROL_KEY_PREFIX || 'control',
}));

export const configNamespaces = [appConfig, databaseConfig, redisConfig, authConfig, sessionsConfig, controlConfig];

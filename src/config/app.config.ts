import { registerAs } from '@nestjs/config';
import { databaseName } from '../database/database-url.js';
import { DEV_JWT_SECRET, type Env, validateEnv } from './env.validation.js';

/**
 * A namespace other modules inject (`@Inject(appConfig.KEY)`): a named view of the parsed
 * environment, with no default or rule of its own (both live in env.validation.ts). AppModule
 * parses the environment once and loads `namespace.of(env)`; called on its own (a unit test),
 * a namespace parses process.env.
 */
function namespace<T extends object>(name: string, view: (env: Env) => T) {
  return Object.assign(
    registerAs(name, () => view(validateEnv(process.env))),
    { of: (env: Env) => registerAs(name, () => view(env)) },
  );
}

export const appConfig = namespace('app', (env) => ({
  port: env.PORT,
  bodyLimitBytes: env.BODY_LIMIT_BYTES,
  messagesBodyLimitBytes: env.MESSAGES_BODY_LIMIT_BYTES,
  messagesMaxItems: env.MESSAGES_MAX_ITEMS,
  // HTTP hardening: slow clients get a 408, browsers on other origins only when listed.
  headersTimeoutMs: env.HTTP_HEADERS_TIMEOUT_MS,
  requestTimeoutMs: env.HTTP_REQUEST_TIMEOUT_MS,
  corsOrigins: env.CORS_ORIGINS.split(',')
    .map((origin) => origin.trim())
    .filter(Boolean),
}));

const READ_QUEUE = { queuedTotal: 64, maxWaitMs: 10_000 };
const streamPoolSize = (env: Env) => Math.max(1, Math.ceil(env.DATABASE_POOL_SIZE / 4));

export const databaseConfig = namespace('database', (env) => ({
  url: env.DATABASE_URL,
  poolSize: env.DATABASE_POOL_SIZE,
  // A slow reader of a limit=all stream holds its connection as long as it reads: never one of the pool's.
  streamPoolSize: streamPoolSize(env),
  timeouts: { statementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT_MS, queryTimeoutMs: env.DATABASE_QUERY_TIMEOUT_MS },
  // A fork's statement (one snapshot, however long the history): the client keeps the same margin over PostgreSQL.
  forkTimeouts: {
    statementTimeoutMs: env.FORK_STATEMENT_TIMEOUT_MS,
    queryTimeoutMs: env.FORK_STATEMENT_TIMEOUT_MS + Math.max(0, env.DATABASE_QUERY_TIMEOUT_MS - env.DATABASE_STATEMENT_TIMEOUT_MS),
  },
  // ... and waits for its reader at most this long per MiB taken (and once more to start): then it is cut off.
  streamMsPerMib: env.HISTORY_STREAM_MS_PER_MIB,
  // Admission of history reads per instance (read-gate.ts), derived from the pools: pages take at
  // most half the request pool, two per user; limit=all streams one per user on their own pool.
  // Behind those, a short queue each; a read that waited 10 s is answered 429 (docs/operations.md).
  readGates: {
    pages: { perUser: 2, total: Math.max(1, Math.floor(env.DATABASE_POOL_SIZE / 2)), queuedPerUser: 8, ...READ_QUEUE },
    streams: { perUser: 1, total: streamPoolSize(env), queuedPerUser: 2, ...READ_QUEUE },
  },
  // Group commit of plain appends (src/messages/append-groups.ts); 0: off.
  appendGroupStatements: env.APPEND_GROUP_STATEMENTS,
  // Lists, history pages and searches may read from these (src/database/read-replicas.ts).
  readUrls: env.DATABASE_READ_URL.split(',')
    .map((url) => url.trim())
    .filter(Boolean),
  replicaMaxLagMs: env.READ_REPLICA_MAX_LAG_MS,
}));

export const redisConfig = namespace('redis', (env) => ({
  // '' turns the cache off.
  url: env.REDIS_URL,
  // REDIS_URL then names seed nodes of a Redis Cluster.
  cluster: env.REDIS_CLUSTER,
  // On a cluster: how long a session copy's write waits for a replica to confirm it.
  replicaWaitMs: env.REDIS_REPLICA_WAIT_MS,
  cacheTtlSeconds: env.SESSION_CACHE_TTL_SECONDS,
  historyTailSize: env.REDIS_URL === '' ? 0 : env.HISTORY_TAIL_CACHE_SIZE,
}));

export const authConfig = namespace('auth', (env) => ({
  // HS256 with a shared secret, and/or an identity provider's keys; the development secret only
  // when neither is configured.
  jwtSecret: env.AUTH_JWT_SECRET || (env.AUTH_JWKS_URL ? undefined : DEV_JWT_SECRET),
  jwksUrl: env.AUTH_JWKS_URL || undefined,
  issuer: env.AUTH_ISSUER || undefined,
  audience: env.AUTH_AUDIENCE || undefined,
  // Outside production a 401 says why (wrong secret, expired ...); in production it does not.
  explainFailures: env.NODE_ENV !== 'production',
}));

export const sessionsConfig = namespace('sessions', (env) => ({
  retentionDays: env.SESSION_RETENTION_DAYS,
  historyMaxMessages: env.HISTORY_MAX_MESSAGES,
  historyMaxBytes: env.HISTORY_MAX_BYTES,
  expirySlidesOnRead: env.EXPIRY_SLIDES_ON_READ,
  cleanupCron: env.CLEANUP_CRON,
  cleanupBatchSize: env.CLEANUP_BATCH_SIZE,
}));

export const controlConfig = namespace('control', (env) => ({
  // An API-only instance sets false; without Redis there is no queue (so no worker either) unless
  // the queue is in-process: then this instance's worker runs what this instance starts.
  workQueue: env.WORK_QUEUE === 'in-process' ? ('in-process' as const) : env.REDIS_URL !== '' ? ('redis' as const) : ('none' as const),
  workerEnabled: env.WORKER_ENABLED && (env.WORK_QUEUE === 'in-process' || env.REDIS_URL !== ''),
  workerConcurrency: env.WORKER_CONCURRENCY,
  handler: env.DELIBERATION_HANDLER,
  remoteHandlers: [...new Set(env.REMOTE_HANDLERS.split(',').map((name) => name.trim()))].filter(Boolean),
  leaseSeconds: env.WORK_LEASE_SECONDS,
  rounds: env.DELIBERATION_ROUNDS,
  stepMs: env.DELIBERATION_STEP_MS,
  staleAfterSeconds: env.RUNNING_STALE_AFTER_SECONDS,
  // Namespaces the queue, the cancel channel and the live-progress keys in a shared Redis.
  keyPrefix: env.CONTROL_KEY_PREFIX || controlPrefixOf(env.DATABASE_URL),
}));

/**
 * The default namespace of the control plane's keys: named after the database, so two
 * instances on different databases that share a Redis index (every development instance
 * defaults to db 0) never take each other's jobs, while every instance of one database (an
 * app in a container and a worker on the host alike, whatever host name each uses) shares it.
 */
export function controlPrefixOf(databaseUrl: string): string {
  return `control:${databaseName(databaseUrl).replace(/[^A-Za-z0-9_.-]/g, '_')}`;
}

export const limitsConfig = namespace('limits', (env) => ({
  // 0: no rate limiter at all (not even a guard that lets everything through).
  ratePerMinute: env.RATE_LIMIT_PER_MINUTE,
  bodyMibPerMinute: env.RATE_LIMIT_BODY_MIB_PER_MINUTE,
  maxRunningPerUser: env.MAX_RUNNING_PER_USER,
  maxSessionsPerUser: env.MAX_SESSIONS_PER_USER,
}));

export const webhooksConfig = namespace('webhooks', (env) => ({
  // Deliveries need the queue, so Redis; they run where workers run (WORKER_ENABLED, npm run worker).
  enabled: env.WEBHOOK_URL !== '' && env.REDIS_URL !== '',
  deliver: env.WEBHOOK_URL !== '' && env.REDIS_URL !== '' && env.WORKER_ENABLED,
  url: env.WEBHOOK_URL,
  secret: env.WEBHOOK_SECRET,
  redisUrl: env.REDIS_URL,
  redisCluster: env.REDIS_CLUSTER,
  strictJson: env.WEBHOOK_STRICT_JSON,
}));

export const eventsConfig = namespace('events', (env) => ({
  // Where events are kept and followed: Redis Streams, shared by every instance; without Redis, the
  // memory of the one instance there is (WORK_QUEUE=in-process, the embedded first run); otherwise
  // nowhere (several instances without Redis share no log), and the streams answer 503.
  log: env.REDIS_URL !== '' ? ('redis' as const) : env.WORK_QUEUE === 'in-process' ? ('in-process' as const) : ('none' as const),
  maxStreamsPerUser: env.MAX_STREAMS_PER_USER,
  streamBufferBytes: env.STREAM_BUFFER_BYTES,
}));

export const configNamespaces = [
  appConfig,
  databaseConfig,
  redisConfig,
  authConfig,
  sessionsConfig,
  controlConfig,
  limitsConfig,
  webhooksConfig,
  eventsConfig,
];

/** The namespaces of one parsed environment, for ConfigModule's `load`. */
export function loadConfig(env: Env) {
  return configNamespaces.map((ns) => ns.of(env));
}

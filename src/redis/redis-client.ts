import { type ConnectionOptions as QueueConnection, createIORedisClient, RedisConnection } from 'bullmq';
import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import type { RedisTarget } from './redis-target.js';

/** The shared client: one server's, or a cluster's (REDIS_CLUSTER). Both speak the same commands. */
export type RedisClient = Redis | Cluster;

/** Options of a connection: the per-node ones and the two a cluster client takes for itself. */
export type ConnectionOptions = Omit<RedisOptions, 'port' | 'host' | 'path' | 'retryStrategy'>;

const retry = (attempt: number) => Math.min(attempt * 200, 2000);

/*
 * How long a closing connection waits for the server's end before it is destroyed (ioredis: 2 s).
 * Closed while reconnecting (BullMQ's close sends QUIT, which then disconnects), it waits on a
 * socket that is already gone, with a timer that holds the process: a stop during a Redis outage,
 * or a Jest worker after a spec that cut Redis (force-exited after 500 ms), would wait it out.
 */
const DISCONNECT_TIMEOUT_MS = 100;

/** A client of the target: one connection, or a cluster client (a connection per node it talks to). */
export function connectTo(target: RedisTarget, options: ConnectionOptions): RedisClient {
  if (!target.cluster) return new Redis(target.url, { ...options, disconnectTimeout: DISCONNECT_TIMEOUT_MS, retryStrategy: retry });
  const { enableOfflineQueue, lazyConnect, ...redisOptions } = options;
  return new Cluster(target.nodes, {
    ...clusterLevel({ enableOfflineQueue, lazyConnect }),
    clusterRetryStrategy: retry,
    // A promoted replica is found by the MOVED replies of its peers, and at the latest by this refresh.
    slotsRefreshInterval: 2000,
    slotsRefreshTimeout: 2000,
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 200,
    redisOptions: { ...redisOptions, disconnectTimeout: DISCONNECT_TIMEOUT_MS, ...credentials(target) },
  });
}

/**
 * The client when it speaks to one server, null for a cluster: what only a single server offers
 * (client tracking redirected to one subscriber, which on a cluster would be one per node).
 */
export function singleServer(client: RedisClient | null): Redis | null {
  return client instanceof Redis ? client : null;
}

/** Another client like `client` (its own connections), with some options changed. */
export function duplicateClient(client: RedisClient, options: ConnectionOptions): RedisClient {
  if (!(client instanceof Cluster)) return client.duplicate(options);
  const { enableOfflineQueue, lazyConnect, ...redisOptions } = options;
  return client.duplicate(undefined, {
    ...clusterLevel({ enableOfflineQueue, lazyConnect }),
    redisOptions: { ...client.options.redisOptions, ...redisOptions },
  });
}

/**
 * How long a BullMQ worker waits before its loop runs again after a Redis error. BullMQ's default
 * is 15 s, and a failover or an outage makes several errors in a row: a start or a kill would then
 * wait up to a minute for a worker that is already connected again.
 */
export const WORKER_RUN_RETRY_MS = 2000;

/**
 * BullMQ's connection options for the target. BullMQ makes its own connections from them (and
 * closes them); for a cluster it is told how through its client factory, which this installs.
 */
export function queueConnection(target: RedisTarget, options: ConnectionOptions = {}): QueueConnection {
  if (!target.cluster) return { ...options, disconnectTimeout: DISCONNECT_TIMEOUT_MS, url: target.url };
  RedisConnection.clientFactory ??= bullClient;
  return { ...options, disconnectTimeout: DISCONNECT_TIMEOUT_MS, clusterTarget: target };
}

function bullClient(opts: RedisOptions) {
  const { clusterTarget, url, ...rest } = opts as RedisOptions & { clusterTarget?: RedisTarget; url?: string };
  if (!clusterTarget?.cluster) return createIORedisClient(url ? new Redis(url, rest) : new Redis(rest));
  const { host: _host, port: _port, retryStrategy: _retry, enableOfflineQueue: _queue, ...redisOptions } = rest;
  const clusterOptions: ClusterOptions = { clusterRetryStrategy: retry, slotsRefreshInterval: 2000 };
  clusterOptions.redisOptions = { ...redisOptions, ...credentials(clusterTarget) };
  return createIORedisClient(new Cluster(clusterTarget.nodes, clusterOptions));
}

function credentials(target: RedisTarget): Pick<RedisOptions, 'username' | 'password' | 'tls'> {
  if (!target.cluster) return {};
  return { username: target.username, password: target.password, ...(target.tls ? { tls: {} } : {}) };
}

function clusterLevel(
  options: Pick<ClusterOptions, 'enableOfflineQueue' | 'lazyConnect'>,
): Pick<ClusterOptions, 'enableOfflineQueue' | 'lazyConnect'> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
}

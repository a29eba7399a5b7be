import type { ClusterNode } from 'ioredis';

/** Where Redis is: one server (its URL as given), or a cluster's seed nodes. */
export type RedisTarget =
  { cluster: false; url: string } | { cluster: true; nodes: ClusterNode[]; username?: string; password?: string; tls: boolean };

/**
 * REDIS_URL as REDIS_CLUSTER reads it: `redis://[user:password@]h1:p1,h2:p2,...` names the
 * cluster's seed nodes (any few of them: the client learns the rest from CLUSTER SLOTS). A cluster
 * has one database, so a `/n` path other than 0 is refused by the configuration's validation.
 */
export function redisTarget(url: string, cluster: boolean): RedisTarget {
  if (!cluster) return { cluster: false, url };
  const match = /^(rediss?):\/\/(?:([^@/]*)@)?([^/?#]+)/.exec(url);
  if (!match) throw new Error(`REDIS_URL: not a list of cluster nodes: ${url}`);
  const [, scheme, credentials, hosts] = match;
  const [username, password] = credentials ? splitCredentials(credentials) : [undefined, undefined];
  const nodes = hosts.split(',').map((host) => {
    const at = host.lastIndexOf(':');
    return at > 0 ? { host: host.slice(0, at), port: Number(host.slice(at + 1)) } : { host, port: 6379 };
  });
  return { cluster: true, nodes, username, password, tls: scheme === 'rediss' };
}

function splitCredentials(credentials: string): [string | undefined, string | undefined] {
  const colon = credentials.indexOf(':');
  const decode = (text: string) => (text ? decodeURIComponent(text) : undefined);
  return colon < 0 ? [undefined, decode(credentials)] : [decode(credentials.slice(0, colon)), decode(credentials.slice(colon + 1))];
}

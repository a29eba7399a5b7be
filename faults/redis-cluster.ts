import { execFile } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { type ReadyProcess, startReadyProcess } from '../test/utils/ready-process.js';
import { waitFor } from '../test/utils/wait-for.js';
import { isAlive } from '../src/common/process-alive.js';

const run = promisify(execFile);

/*
 * A Redis Cluster of six local redis-server processes, shared by test/redis-cluster.e2e-spec.ts
 * (through test/utils/redis-cluster.ts) and `npm run test:faults:cluster` (faults/cluster-run.ts),
 * each with its own port range so the two never meet.
 *
 * Six ports for the nodes and six for their cluster bus (the default bus port, port + 10000, would
 * leave the range), taken as one block of the range given to this harness. A run claims a block
 * with a lock file created exclusively (O_EXCL) and holding its pid: two runs on one machine never
 * share one, a block whose holder died is taken over, and a block whose ports another program
 * holds is skipped.
 */
export interface PortRange {
  first: number;
  blocks: number;
  /** the bus port of a node is its port + busOffset */
  busOffset: number;
}
/** The e2e spec's range: blocks of six in 57000..57047, their bus ports in 57050..57097. */
export const SPEC_PORTS: PortRange = { first: 57000, blocks: 8, busOffset: 50 };
const NODES = 6;
// Small, so that a killed master's replica is promoted within seconds.
const NODE_TIMEOUT_MS = 2000;

export interface ClusterNodeProcess {
  port: number;
  process: ReadyProcess;
}

export interface RedisClusterHarness {
  /** `redis://127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3`: the seed nodes, as REDIS_URL takes them. */
  url: string;
  ports: number[];
  nodes: Map<number, ClusterNodeProcess>;
  /** The port of the master serving `key`'s slot. */
  masterOf(key: string): Promise<number>;
  /** Starts a node again on its port (it rejoins from its nodes.conf, as a replica if it was replaced). */
  restart(port: number): Promise<void>;
  /** Waits until every live node reports cluster_state:ok and every slot is served. */
  healthy(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** Starts a cluster of three masters and three replicas in a temporary folder. */
export async function startRedisCluster(range: PortRange = SPEC_PORTS): Promise<RedisClusterHarness> {
  const { base, release } = await claimBlock(range);
  const dir = mkdtempSync(join(tmpdir(), 'session-store-redis-cluster-'));
  const ports = Array.from({ length: NODES }, (_, i) => base + i);
  const nodes = new Map<number, ClusterNodeProcess>();
  const start = async (port: number) => {
    const args = [
      ...['--port', String(port), '--bind', '127.0.0.1', '--dir', dir],
      ...['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`],
      ...['--cluster-port', String(port + range.busOffset), '--cluster-node-timeout', String(NODE_TIMEOUT_MS)],
      ...['--save', '', '--appendonly', 'no', '--protected-mode', 'no'],
    ];
    nodes.set(port, {
      port,
      process: await startReadyProcess('redis-server', args, { readyLine: 'Ready to accept connections', name: `redis-server :${port}` }),
    });
  };
  const stop = async () => {
    await Promise.all([...nodes.values()].map(({ process }) => process.stop('SIGKILL')));
    rmSync(dir, { recursive: true, force: true });
    release();
  };
  const harness: RedisClusterHarness = {
    url: `redis://${ports
      .slice(0, 3)
      .map((port) => `127.0.0.1:${port}`)
      .join(',')}`,
    ports,
    nodes,
    masterOf: async (key) => {
      const client = await anyLive(nodes);
      try {
        const slot = Number(await client.cluster('KEYSLOT', key));
        const ranges = await client.cluster('SLOTS');
        const range = ranges.find(([from, to]) => slot >= from && slot <= to);
        if (!range) throw new Error(`no master serves slot ${slot}`);
        return range[2][1];
      } finally {
        client.disconnect();
      }
    },
    restart: (port) => start(port),
    healthy: (timeoutMs = 30_000) => clusterOk(nodes, timeoutMs),
    stop,
  };
  try {
    await Promise.all(ports.map(start));
    const addresses = ports.map((port) => `127.0.0.1:${port}`);
    await run('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', '1', '--cluster-yes'], { timeout: 60_000 });
    await harness.healthy();
    await replicated(ports);
    return harness;
  } catch (error) {
    await stop();
    throw error;
  }
}

async function anyLive(nodes: Map<number, ClusterNodeProcess>): Promise<Redis> {
  for (const { port, process } of nodes.values()) {
    if (process.child.exitCode !== null || process.child.signalCode !== null) continue;
    return new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 1 });
  }
  throw new Error('no node of the cluster is running');
}

/** Every running node says the cluster is ok, all slots served, and each master it knows has a live address. */
async function clusterOk(nodes: Map<number, ClusterNodeProcess>, timeoutMs: number): Promise<void> {
  const running = [...nodes.values()].filter(({ process }) => process.child.exitCode === null && process.child.signalCode === null);
  await waitFor(
    async () => {
      const states = await Promise.all(
        running.map(async ({ port }) => {
          const client = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1, lazyConnect: true });
          try {
            const info = await client.cluster('INFO');
            return /cluster_state:ok/.test(info) && /cluster_slots_ok:16384/.test(info);
          } catch {
            return false;
          } finally {
            client.disconnect();
          }
        }),
      );
      return states.every(Boolean);
    },
    (ok) => ok,
    { timeoutMs, intervalMs: 200, what: 'cluster_state:ok on every node' },
  );
}

/** Every master has its replica attached and in sync (cluster_state:ok comes before the first sync ends). */
async function replicated(ports: number[]): Promise<void> {
  await waitFor(
    async () => {
      const roles = await Promise.all(
        ports.map(async (port) => {
          const client = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1, lazyConnect: true });
          try {
            const info = await client.info('replication');
            return /role:slave/.test(info)
              ? 'replica'
              : /connected_slaves:1/.test(info) && /state=online/.test(info)
                ? 'master'
                : 'pending';
          } finally {
            client.disconnect();
          }
        }),
      );
      return roles.filter((role) => role === 'master').length === 3 && roles.filter((role) => role === 'replica').length === 3;
    },
    (ok) => ok,
    { timeoutMs: 30_000, intervalMs: 200, what: 'each master with its replica in sync' },
  );
}

/** A block of the range no other run holds, with all its ports free. */
async function claimBlock(range: PortRange): Promise<{ base: number; release: () => void }> {
  for (let block = 0; block < range.blocks; block++) {
    const base = range.first + block * NODES;
    const lock = join(tmpdir(), `session-store-redis-cluster-${base}.lock`);
    if (!takeLock(lock)) continue;
    const ports = Array.from({ length: NODES }, (_, i) => [base + i, base + i + range.busOffset]).flat();
    if ((await Promise.all(ports.map(isFree))).every(Boolean)) return { base, release: () => rmSync(lock, { force: true }) };
    unlinkSync(lock);
  }
  throw new Error(`no free block of ${NODES} ports in ${range.first}..${range.first + range.blocks * NODES - 1}`);
}

function takeLock(lock: string): boolean {
  try {
    const fd = openSync(lock, 'wx');
    writeFileSync(fd, String(process.pid));
    closeSync(fd);
    return true;
  } catch {
    // Held: taken over only if its holder is gone.
    const holder = Number(readFileSync(lock, 'utf8'));
    if (!holder || isAlive(holder)) return false; // empty: its holder is writing its pid
    rmSync(lock, { force: true });
    return takeLock(lock);
  }
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

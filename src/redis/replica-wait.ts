import type { RedisClient } from './redis-client.js';
import { singleServer } from './redis-client.js';

// A master that has no replica (its replica was promoted and the old master has not rejoined)
// answers 0 after the wait (REDIS_REPLICA_WAIT_MS), and is then not asked for WAITING_OFF_MS.
const WAITING_OFF_MS = 5000;

/**
 * On a cluster, a write the master answered can still be lost: replication is asynchronous, and a
 * master that dies before its replica got the write is replaced by that replica without it. For
 * the writes whose loss would make a read stale (the session copies), the write is followed by
 * `WAIT 1` on the same connection (one pipeline, so the same node): `false` when no replica
 * confirmed it, and the caller then treats the write as failed. On one server, always `true`.
 */
export class ReplicaWait {
  private offUntil = 0;
  private readonly enabled: boolean;

  constructor(
    private readonly client: RedisClient,
    private readonly waitMs: number,
  ) {
    this.enabled = singleServer(client) === null;
  }

  /** Runs `script` on `key` and waits for a replica; resolves to whether it reached one (or need not). */
  async evalReplicated(script: string, key: string, ...args: (string | number)[]): Promise<boolean> {
    if (!this.enabled || Date.now() < this.offUntil) {
      await this.client.eval(script, 1, key, ...args);
      return true;
    }
    const results =
      (await this.client
        .pipeline()
        .eval(script, 1, key, ...args)
        .wait(1, this.waitMs)
        .exec()) ?? [];
    for (const [error] of results) if (error) throw error;
    const confirmed = Number(results[1]?.[1] ?? 0) >= 1;
    if (!confirmed) this.offUntil = Date.now() + WAITING_OFF_MS;
    return confirmed;
  }
}

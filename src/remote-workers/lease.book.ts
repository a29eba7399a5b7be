import { Inject, Injectable } from '@nestjs/common';
import type { RedisClient } from '../redis/redis-client.js';
import { WorkQueueUnavailableError } from '../common/domain-error.js';
import { RedisKeys } from '../redis/keys.js';
import { REDIS_CLIENT } from '../redis/redis.constants.js';
import { END, EXPIRE_DUE, RENEW, TAKE } from './lease.scripts.js';

export type LeaseState = 'live' | 'ended' | 'expired';

export interface Lease {
  id: string;
  sessionId: string;
  handler: string;
  userId: string;
  worker: string;
  state: LeaseState;
  expiresAt: number;
}

/** A lease as it is taken (live). */
export type LeaseTerms = Omit<Lease, 'state'>;

export type ExpiredLease = Pick<Lease, 'id' | 'sessionId' | 'handler' | 'worker'>;

/**
 * The remote workers' leases, in Redis (see lease.scripts.ts): who holds which session, until
 * when, and how the lease ended. A lease is remembered a day after its last renewal (at most
 * SESSION_CACHE_TTL_SECONDS), so a late call under it is told 409 or 410 rather than 404.
 */
@Injectable()
export class LeaseBook {
  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient | null,
    private readonly keys: RedisKeys,
  ) {}

  async take(lease: LeaseTerms): Promise<void> {
    const { id, sessionId, handler, userId, worker, expiresAt } = lease;
    await this.client.eval(
      TAKE,
      2,
      this.keys.lease(id),
      this.keys.leaseExpiries(),
      id,
      sessionId,
      handler,
      userId,
      worker,
      expiresAt,
      this.memory,
    );
  }

  async get(id: string): Promise<Lease | null> {
    const fields = await this.attempt(() => this.client.hgetall(this.keys.lease(id)));
    if (!fields.sessionId) return null;
    return { ...(fields as unknown as Lease), id, expiresAt: Number(fields.expiresAt) };
  }

  /** Moves a live lease's expiry to `expiresAt`; answers the state it is in afterwards ('expired' once its time passed). */
  async renew(id: string, expiresAt: number): Promise<LeaseState | 'unknown'> {
    const args = [id, Date.now(), expiresAt, this.memory];
    return (await this.attempt(() => this.client.eval(RENEW, 2, this.keys.lease(id), this.keys.leaseExpiries(), ...args))) as
      LeaseState | 'unknown';
  }

  /** True when this call ended the live lease (its session left running); false when it was not live. */
  async end(id: string): Promise<boolean> {
    return (await this.attempt(() => this.client.eval(END, 2, this.keys.lease(id), this.keys.leaseExpiries(), id))) === 1;
  }

  /** Marks up to `batch` leases past their expiry as expired and returns them; each is returned to one caller only. */
  async expireDue(batch: number): Promise<ExpiredLease[]> {
    const flat = (await this.client.eval(EXPIRE_DUE, 1, this.keys.leaseExpiries(), Date.now(), batch, this.keys.leasePrefix())) as string[];
    const expired: ExpiredLease[] = [];
    for (let i = 0; i < flat.length; i += 4)
      expired.push({ id: flat[i], sessionId: flat[i + 1], handler: flat[i + 2], worker: flat[i + 3] });
    return expired;
  }

  get available(): boolean {
    return this.redis !== null;
  }

  private get memory(): number {
    return this.keys.leaseMemorySeconds;
  }

  private get client(): RedisClient {
    if (!this.redis) throw new WorkQueueUnavailableError('REDIS_URL is empty: this instance has no work queue');
    return this.redis;
  }

  /** A Redis failure is the queue being unavailable (503 with Retry-After), never a 500. */
  private async attempt<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof WorkQueueUnavailableError) throw error;
      throw new WorkQueueUnavailableError(`the work queue (Redis) cannot be reached: ${(error as Error).message}`);
    }
  }
}

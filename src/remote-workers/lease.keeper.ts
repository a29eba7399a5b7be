import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { InvalidTransitionError, LeaseExpiredError, LeaseNotFoundError } from '../common/domain-error.js';
import { controlConfig } from '../config/app.config.js';
import { RemoteWorkQueues } from '../control/queue/remote-work.queues.js';
import { RunService } from '../control/run.service.js';
import { SessionStore } from '../sessions/session.store.js';
import { type Lease, LeaseBook } from './lease.book.js';

/**
 * BullMQ's lock outlives the lease by this much, so the lease's expiry in LeaseBook is the one
 * clock: the job is let go by the sweeper that expires the lease, never by the lock alone.
 */
export const LOCK_GRACE_MS = 5000;

/** What every call under a lease does first: find it, refuse it once expired, renew it while live. */
@Injectable()
export class LeaseKeeper {
  private readonly logger = new Logger(LeaseKeeper.name);
  readonly leaseMs: number;

  constructor(
    private readonly leases: LeaseBook,
    private readonly queues: RemoteWorkQueues,
    private readonly runs: RunService,
    private readonly rows: SessionStore,
    @Inject(controlConfig.KEY) config: ConfigType<typeof controlConfig>,
  ) {
    this.leaseMs = config.leaseSeconds * 1000;
  }

  /**
   * `worker`'s lease, renewed to expire `ms` from now when it is live (its job's lock and its
   * session's heartbeat too): 404 when unknown or another worker's, 410 once expired. An ended
   * lease (its session left running) is returned as it is: the caller answers 409 or `stop`.
   */
  async hold(id: string, worker: string, ms = this.leaseMs): Promise<Lease> {
    const lease = await this.leases.get(id);
    // Another worker's lease is answered as an unknown one, before anything is renewed or told.
    if (!lease || lease.worker !== worker) throw new LeaseNotFoundError();
    if (lease.state === 'expired') throw new LeaseExpiredError();
    if (lease.state === 'live') {
      const expiresAt = Date.now() + ms;
      const state = await this.leases.renew(id, expiresAt);
      if (state === 'expired') throw new LeaseExpiredError();
      if (state === 'unknown') throw new LeaseNotFoundError();
      if (state === 'live') {
        await Promise.all([
          this.queues.extend(lease.handler, lease.sessionId, id, ms + LOCK_GRACE_MS),
          this.runs.heartbeat([lease.sessionId]),
        ]);
        return { ...lease, expiresAt };
      }
      return { ...lease, state };
    }
    return lease;
  }

  /** The session's status, for `stop` and 409 answers ('deleted' once its row is gone). */
  async statusOf(lease: Lease): Promise<string> {
    return (await this.rows.findById(lease.sessionId))?.status ?? 'deleted';
  }

  /** The session left running: the lease ends and its job leaves the queue (its lock released). */
  async release(lease: Lease, outcome: { error?: string } = { error: 'the session left running' }): Promise<void> {
    if (!(await this.leases.end(lease.id))) return;
    await this.queues
      .finish(lease.handler, lease.sessionId, outcome, lease.id)
      .catch((error: Error) => this.logger.warn(`job of ${lease.sessionId} not finished: ${error.message}`));
  }

  /** 409 with the current status, after ending the lease: its session is no longer running. */
  async refuse(lease: Lease, action: string): Promise<never> {
    await this.release(lease);
    throw new InvalidTransitionError(action, await this.statusOf(lease));
  }
}

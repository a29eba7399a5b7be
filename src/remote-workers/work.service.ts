import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { AuthUser } from '../auth/auth-user.js';
import { ShuttingDownError, UnknownHandlerError } from '../common/domain-error.js';
import { CancelChannel } from '../control/queue/cancel.channel.js';
import { HandlerCatalog } from '../control/handlers/handler-catalog.js';
import { RemoteWorkQueues } from '../control/queue/remote-work.queues.js';
import { RunService } from '../control/run.service.js';
import { toSessionResponse } from '../sessions/session.mapper.js';
import type { ClaimResponse, HeartbeatResponse } from './dto/work.response.js';
import { LeaseBook, type LeaseTerms } from './lease.book.js';
import { LeaseKeeper } from './lease.keeper.js';
import { WorkWaits } from './work-waits.js';

// A claim that missed a wake-up (pub/sub is best effort) looks again this often.
const CLAIM_POLL_MS = 1000;

/** Claims and heartbeats: the long polls of the remote-worker protocol (see docs/control-plane.md). */
@Injectable()
export class WorkService {
  private readonly logger = new Logger(WorkService.name);

  constructor(
    private readonly catalog: HandlerCatalog,
    private readonly queues: RemoteWorkQueues,
    private readonly leases: LeaseBook,
    private readonly keeper: LeaseKeeper,
    private readonly runs: RunService,
    private readonly waits: WorkWaits,
    private readonly channel: CancelChannel,
  ) {}

  /**
   * The first waiting session of the handlers (any remote one when absent), leased to the caller;
   * null after `waitSeconds`. `gone` fires when the caller hung up: no job is taken for nobody, and
   * one taken in the meantime goes back to its queue.
   */
  async claim(worker: AuthUser, handlers: string[] | undefined, waitSeconds: number, gone: AbortSignal): Promise<ClaimResponse | null> {
    const names = handlers ?? [...this.catalog.remote];
    const unknown = names.find((name) => !this.catalog.remote.includes(name));
    if (unknown !== undefined) throw new UnknownHandlerError(unknown, this.catalog.remote);
    const deadline = Date.now() + waitSeconds * 1000;
    for (;;) {
      // Not a 204: the worker would ask again here at once, while this instance drains its runs.
      if (this.waits.isClosing) throw new ShuttingDownError();
      const wait = this.waits.forWork(names, gone);
      try {
        // From a random handler first, so that a busy one does not starve the others.
        const start = Math.floor(Math.random() * names.length);
        for (let i = 0; i < names.length && !gone.aborted; i++) {
          const taken = await this.takeFrom(names[(start + i) % names.length], worker);
          if (taken) return gone.aborted ? this.giveBack(taken.lease) : taken.answer;
        }
        const left = deadline - Date.now();
        if (left <= 0 || gone.aborted) return null;
        await wait.until(Math.min(left, CLAIM_POLL_MS));
      } finally {
        wait.cancel();
      }
    }
  }

  /**
   * Renews the lease (through the whole wait, then for a lease from its end), and waits up to
   * `waitSeconds` for the session to leave running: then `stop: true` with its status, at once.
   */
  async heartbeat(worker: AuthUser, leaseId: string, waitSeconds: number): Promise<HeartbeatResponse> {
    const waitMs = waitSeconds * 1000;
    let lease = await this.keeper.hold(leaseId, worker.id, waitMs + this.keeper.leaseMs);
    if (lease.state === 'live' && waitMs > 0) {
      const stop = this.waits.forStop(lease.sessionId);
      try {
        if ((await this.runs.heartbeat([lease.sessionId])).length === 1) await stop.until(waitMs);
      } finally {
        stop.cancel();
      }
      lease = await this.keeper.hold(leaseId, worker.id);
    }
    if (lease.state === 'live' && (await this.runs.heartbeat([lease.sessionId])).length === 1) {
      return { stop: false, expiresAt: new Date(lease.expiresAt).toISOString() };
    }
    await this.keeper.release(lease);
    return { stop: true, status: await this.keeper.statusOf(lease) };
  }

  private async takeFrom(handler: string, worker: AuthUser): Promise<{ lease: LeaseTerms; answer: ClaimResponse } | null> {
    for (;;) {
      const leaseId = randomUUID();
      const job = await this.queues.take(handler, leaseId);
      if (!job) return null;
      const session = await this.runs.claim(job.data.sessionId);
      if (!session) {
        // Killed while it waited, after the kill's removal missed it: let the job go, look further.
        await this.queues.finish(handler, job.data.sessionId, { error: 'the session was no longer running when claimed' }, leaseId);
        continue;
      }
      const expiresAt = Date.now() + this.keeper.leaseMs;
      const lease = { id: leaseId, sessionId: session.id, handler, userId: session.userId, worker: worker.id, expiresAt };
      await this.leases.take(lease);
      return {
        lease,
        answer: { lease: { id: leaseId, expiresAt: new Date(expiresAt).toISOString() }, session: toSessionResponse(session) },
      };
    }
  }

  /**
   * The claiming client hung up while its session was being leased: the lease ends and the job
   * goes back to the head of its queue, so the next claim gets it now instead of the lease's
   * expiry failing it as lost.
   */
  private async giveBack(lease: LeaseTerms): Promise<null> {
    try {
      if (!(await this.leases.end(lease.id))) return null;
      // Before the job is back in the queue: once it is, another claim may take it (and set claimedAt).
      await this.runs.unclaim(lease.sessionId);
      await this.queues.giveBack(lease.handler, lease.sessionId, lease.id);
      await this.channel.announce(lease.handler);
    } catch (error) {
      this.logger.warn(`session ${lease.sessionId}, claimed by ${lease.worker} who hung up, not given back: ${(error as Error).message}`);
    }
    return null;
  }
}

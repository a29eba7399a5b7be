import { Injectable, Logger } from '@nestjs/common';
import { InvalidTransitionError, SessionNotFoundError, WorkQueueUnavailableError } from '../common/domain-error.js';
import type { LiveProgress, ProgressUpdate } from '../sessions/session-live.cache.js';
import { SessionLiveCache } from '../sessions/session-live.cache.js';
import type { SessionEntity } from '../sessions/session.entity.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { CancelChannel } from './cancel.channel.js';
import { ControlRepository, type TransitionColumns, type TransitionRecord } from './control.repository.js';
import { ACTION_TARGET, allowedFrom, type ControlAction } from './session-status.machine.js';
import { WorkQueue } from './work.queue.js';

/** The actor of changes nobody asked for over HTTP: the worker's own result, a lost worker. */
export const SYSTEM_ACTOR = 'system';

interface MoveOptions {
  actor: string;
  userId?: string;
  reason?: string | null;
  set?: TransitionColumns;
  silentForSeconds?: number;
  /** The worker finishing its own run, or a start that never queued: no work to cancel. */
  nothingToStop?: boolean;
}

/**
 * Every status change goes through move(): close the live progress, one guarded update with its
 * audit row, the cache, then stop the work wherever it runs. The HTTP routes, the worker and the
 * lost-worker sweep all use it, so a kill that came first stays a kill.
 */
@Injectable()
export class ControlService {
  private readonly logger = new Logger(ControlService.name);

  constructor(
    private readonly repository: ControlRepository,
    private readonly sessions: SessionsService,
    private readonly live: SessionLiveCache,
    private readonly queue: WorkQueue,
    private readonly cancel: CancelChannel,
  ) {}

  async start(userId: string, id: string): Promise<SessionEntity> {
    if (!this.queue.available) throw new WorkQueueUnavailableError('REDIS_URL is empty: this instance has no work queue');
    // Probed before the transition, so that during a Redis outage a start changes nothing and can be retried.
    if (!(await this.queue.reachable())) throw new WorkQueueUnavailableError('the work queue (Redis) cannot be reached; nothing was changed');
    const session = await this.move(id, 'start', { actor: userId, userId });
    await this.live.open(session);
    try {
      await this.queue.enqueue(id);
    } catch (error) {
      // Redis went away between the probe and the add. Nothing would ever run it: fail it now.
      const message = `work could not be queued: ${(error as Error).message}`;
      await this.move(id, 'fail', { actor: SYSTEM_ACTOR, reason: message, set: { error: message }, nothingToStop: true }).catch(() => undefined);
      throw new WorkQueueUnavailableError(`${message}; the session was marked failed`);
    }
    return session;
  }

  kill(userId: string, id: string, reason?: string): Promise<SessionEntity> {
    return this.move(id, 'kill', { actor: userId, userId, reason: reason ?? null });
  }

  complete(userId: string, id: string, result: TransitionColumns): Promise<SessionEntity> {
    return this.move(id, 'complete', { actor: userId, userId, set: result });
  }

  fail(userId: string, id: string, error: string): Promise<SessionEntity> {
    return this.move(id, 'fail', { actor: userId, userId, reason: error, set: { error } });
  }

  /** A running session is killed first (the contract): its work stops, the trail reads running → killed → deleted. */
  async remove(userId: string, id: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.move(id, 'delete', { actor: userId, userId });
        return;
      } catch (error) {
        // Only `running` refuses `deleted`; a start racing this delete can make that happen once.
        if (!(error instanceof InvalidTransitionError) || attempt === 3) throw error;
        await this.move(id, 'kill', { actor: userId, userId, reason: 'session deleted' }).catch(ignoreRefusal);
      }
    }
  }

  async transitions(userId: string, id: string): Promise<TransitionRecord[]> {
    await this.sessions.getOwned(userId, id);
    return this.repository.listTransitions(id);
  }

  async progress(userId: string, id: string, update: ProgressUpdate): Promise<void> {
    const session = await this.sessions.getOwned(userId, id);
    if (session.status !== 'running') throw new InvalidTransitionError('record progress for', session.status);
    if (!(await this.record(id, update))) {
      const current = await this.repository.findById(id);
      throw new InvalidTransitionError('record progress for', current?.status ?? 'deleted');
    }
  }

  /** Redis first; PostgreSQL when Redis cannot take it. False when the session is not running. */
  async record(id: string, update: ProgressUpdate): Promise<boolean> {
    let outcome = await this.live.record(id, update);
    if (outcome === 'missing') {
      // Redis lost the live state (restart, flush, expiry): seed it from PostgreSQL, then retry once.
      const session = await this.repository.findById(id);
      if (session?.status !== 'running') return false;
      await this.live.open(session);
      outcome = await this.live.record(id, update);
    }
    if (outcome === 'recorded') return true;
    if (outcome === 'closed') return false;
    const written = await this.repository.recordProgress(id, update);
    if (written) await this.sessions.written(written);
    return written !== null;
  }

  /** The worker takes a job: the session it names, if still running (a kill may have come first). */
  async claim(id: string): Promise<SessionEntity | null> {
    const [alive] = await this.repository.heartbeat([id]);
    return alive ? this.repository.findById(id) : null;
  }

  heartbeat(ids: string[]): Promise<string[]> {
    return this.repository.heartbeat(ids);
  }

  /** The handler returned or threw. Refused quietly when the session already left running (a kill won). */
  async finishRun(id: string, outcome: { result: TransitionColumns } | { error: string }): Promise<void> {
    const options: MoveOptions = 'result' in outcome
      ? { actor: SYSTEM_ACTOR, reason: 'the deliberation handler returned', set: outcome.result, nothingToStop: true }
      : { actor: SYSTEM_ACTOR, reason: 'the deliberation handler failed', set: { error: outcome.error }, nothingToStop: true };
    await this.move(id, 'result' in outcome ? 'complete' : 'fail', options).catch(ignoreRefusal);
  }

  /** The sweep's verdict on a silent running session; false when it turned out alive or already done. */
  async failLost(id: string, silentForSeconds: number): Promise<boolean> {
    const error = `worker lost: no heartbeat for ${silentForSeconds} s`;
    const moved = await this.move(id, 'fail', { actor: SYSTEM_ACTOR, reason: 'worker lost', set: { error }, silentForSeconds })
      .catch(ignoreRefusal);
    return moved !== undefined;
  }

  private async move(id: string, action: ControlAction, options: MoveOptions): Promise<SessionEntity> {
    const to = ACTION_TARGET[action];
    // Closing first makes the snapshot final: progress after this is refused, none accepted is lost.
    const snapshot = to === 'running' ? null : await this.live.close(id);
    const set = { ...snapshotColumns(snapshot), ...definedOnly(options.set ?? {}) };
    const outcome = await this.repository
      .transition(id, { to, allowedFrom: allowedFrom(to), set, actor: options.actor, reason: options.reason ?? null,
        userId: options.userId, silentForSeconds: options.silentForSeconds })
      .catch(async (error: unknown) => {
        if (snapshot) await this.live.reopen(id);
        throw error;
      });
    if (!outcome.session) {
      if (snapshot && outcome.currentStatus === 'running') await this.live.reopen(id);
      if (!outcome.currentStatus) throw new SessionNotFoundError();
      throw new InvalidTransitionError(action, outcome.currentStatus);
    }
    await this.sessions.written(outcome.session);
    if (outcome.from === 'running' && !options.nothingToStop) await this.stopWork(id);
    return outcome.session;
  }

  /** After the commit: the worker holding the job is told to stop; a job still waiting is removed. */
  private async stopWork(id: string): Promise<void> {
    const removal = this.queue.available
      ? this.queue.removeQueued(id).catch((error: Error) => this.logger.warn(`job ${id} not removed: ${error.message}`))
      : undefined;
    await Promise.all([this.cancel.publish(id), removal]);
  }
}

function snapshotColumns(snapshot: LiveProgress | null): TransitionColumns {
  if (!snapshot) return {};
  return { phase: snapshot.phase, roundNumber: snapshot.roundNumber, totalCost: snapshot.totalCost, liveRev: snapshot.rev };
}

function definedOnly(columns: TransitionColumns): TransitionColumns {
  return Object.fromEntries(Object.entries(columns).filter(([, value]) => value !== undefined));
}

function ignoreRefusal(error: unknown): undefined {
  if (error instanceof InvalidTransitionError) return undefined;
  throw error;
}

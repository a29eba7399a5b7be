import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { InvalidTransitionError, QuotaExceededError, SessionNotFoundError, WorkQueueUnavailableError } from '../common/domain-error.js';
import { limitsConfig } from '../config/app.config.js';
import { fitsProgressColumns } from '../sessions/progress-bounds.js';
import type { Session } from '../sessions/session.columns.js';
import { type TaggedSession, tagged } from '../sessions/session.mapper.js';
import { ACTION_TARGET, type ControlAction, movesTo, RUNNING } from '../sessions/session-status.js';
import type { MoveGuard, TransitionColumns } from '../sessions/session-transition.sql.js';
import { SessionStore } from '../sessions/session.store.js';
import { SessionsService } from '../sessions/sessions.service.js';
import type { TransitionRecord } from '../sessions/transition.columns.js';
import { CancelChannel } from './queue/cancel.channel.js';
import { HandlerCatalog } from './handlers/handler-catalog.js';
import { type LiveProgress, LiveProgressCache } from './live-progress/live-progress.cache.js';
import { ProgressRecorder } from './live-progress/progress.recorder.js';
import type { ProgressUpdate } from '../sessions/session-write.types.js';
import { WorkQueue } from './queue/work.queue.js';

/** The actor of changes nobody asked for over HTTP: the worker's own result, a lost worker. */
export const SYSTEM_ACTOR = 'system';

/** Who moves the session, why, and what the move writes besides the status. */
export interface Change {
  actor: string;
  reason?: string | null;
  set?: TransitionColumns;
}

/** The row after a move, and the status it left. */
export interface Moved {
  session: Session;
  from: Session['status'];
}

/**
 * The control routes, and move(): the one primitive every status change goes through (routes,
 * worker, lost-worker sweep), so a kill that came first stays a kill. Ownership is checked before
 * any effect: another user's request changes nothing, not even live progress.
 */
@Injectable()
export class ControlService {
  private readonly logger = new Logger(ControlService.name);

  constructor(
    private readonly rows: SessionStore,
    private readonly sessions: SessionsService,
    private readonly live: LiveProgressCache,
    private readonly recorder: ProgressRecorder,
    private readonly queue: WorkQueue,
    private readonly cancel: CancelChannel,
    private readonly handlers: HandlerCatalog,
    @Inject(limitsConfig.KEY) private readonly limits: ConfigType<typeof limitsConfig>,
  ) {}

  /** `handler` names a registered handler (UNKNOWN_HANDLER otherwise, before anything happens); absent, the default. */
  async start(userId: string, id: string, handler?: string): Promise<TaggedSession> {
    const choice = this.handlers.choose(handler);
    if (!this.queue.available) throw new WorkQueueUnavailableError('REDIS_URL is empty: this instance has no work queue');
    // Probed before the transition, so that during a Redis outage a start changes nothing and can be retried.
    if (!(await this.queue.reachable()))
      throw new WorkQueueUnavailableError('the work queue (Redis) cannot be reached; nothing was changed');
    const { session } = await this.move(id, 'start', { actor: userId }, { userId }, this.limits.maxRunningPerUser);
    await this.live.open(session);
    try {
      await this.queue.enqueue(id, choice);
    } catch (error) {
      // Redis went away between the probe and the add. Nothing would ever run it (nothing to stop): fail it now.
      const message = `work could not be queued: ${(error as Error).message}`;
      await this.move(id, 'fail', { actor: SYSTEM_ACTOR, reason: message, set: { error: message } }).catch(() => undefined);
      throw new WorkQueueUnavailableError(`${message}; the session was marked failed`);
    }
    if (choice.remote) await this.cancel.announce(choice.name);
    return tagged(session);
  }

  kill(userId: string, id: string, reason?: string): Promise<TaggedSession> {
    return this.endRun(id, 'kill', { actor: userId, reason: reason ?? null }, userId);
  }

  complete(userId: string, id: string, result: TransitionColumns): Promise<TaggedSession> {
    return this.endRun(id, 'complete', { actor: userId, set: result }, userId);
  }

  fail(userId: string, id: string, error: string): Promise<TaggedSession> {
    return this.endRun(id, 'fail', { actor: userId, reason: error, set: { error } }, userId);
  }

  /** A running session passes through killed in the same statement (see movesTo): its work stops. */
  async remove(userId: string, id: string): Promise<void> {
    await this.endRun(id, 'delete', { actor: userId }, userId);
  }

  async transitions(userId: string, id: string): Promise<TransitionRecord[]> {
    await this.sessions.getOwned(userId, id);
    return this.rows.listTransitions(id);
  }

  async progress(userId: string, id: string, update: ProgressUpdate): Promise<void> {
    const session = await this.sessions.getOwned(userId, id);
    if (session.status !== RUNNING) throw new InvalidTransitionError('record progress for', session.status);
    if (!(await this.recorder.record(id, update))) {
      const current = await this.rows.findById(id);
      throw new InvalidTransitionError('record progress for', current?.status ?? 'deleted');
    }
  }

  /**
   * The primitive: close the live progress (its snapshot is written by the move), one guarded
   * update with its audit rows, committed then cached. INVALID_TRANSITION when the status does
   * not allow it, SESSION_NOT_FOUND when the guard's user does not own a visible session, and
   * QUOTA_EXCEEDED when `maxRunning` is given and the guard's user already runs that many.
   */
  async move(id: string, action: ControlAction, change: Change, guard: MoveGuard = {}, maxRunning?: number): Promise<Moved> {
    if (guard.userId !== undefined) await this.sessions.getOwned(guard.userId, id);
    const to = ACTION_TARGET[action];
    // Closing first makes the snapshot final: progress after this is refused, none accepted is lost.
    const snapshot = to === RUNNING ? null : await this.live.close(id);
    const set = { ...this.storable(id, snapshot), ...definedOnly(change.set ?? {}) };
    const move = { ...movesTo(to), to, set, actor: change.actor, reason: change.reason ?? null, guard };
    const moving = maxRunning === undefined ? this.rows.transition(id, move) : this.rows.startWithinQuota(id, move, maxRunning);
    const outcome = await moving.catch(async (error: unknown) => {
      if (snapshot) await this.live.reopen(id);
      throw error;
    });
    if (!outcome.session) {
      if (snapshot && outcome.currentStatus === RUNNING) await this.live.reopen(id);
      if ('quotaFull' in outcome) throw new QuotaExceededError('MAX_RUNNING_PER_USER', maxRunning!);
      if (!outcome.currentStatus) throw new SessionNotFoundError();
      throw new InvalidTransitionError(action, outcome.currentStatus);
    }
    return { session: outcome.session, from: outcome.from! };
  }

  /** After the commit: the worker holding the job is told to stop; a job still waiting is removed. */
  async stopWork(id: string): Promise<void> {
    const removal = this.queue.available
      ? this.queue.removeQueued(id).catch((error: Error) => this.logger.warn(`job ${id} not removed: ${error.message}`))
      : undefined;
    await Promise.all([this.cancel.publish(id), removal]);
  }

  /**
   * The snapshot's columns, unless PostgreSQL cannot hold them (a live hash written before the
   * bounds, or by hand): then the row keeps its last flushed progress, and the move still happens.
   */
  private storable(id: string, snapshot: LiveProgress | null): TransitionColumns {
    if (!snapshot || fitsProgressColumns(snapshot)) return snapshotColumns(snapshot);
    const { phase, roundNumber, totalCost } = snapshot;
    this.logger.error(`live progress of ${id} does not fit its columns, not written: ${JSON.stringify({ phase, roundNumber, totalCost })}`);
    return {};
  }

  /** A client's move that may end a run someone else holds: that work stops. */
  private async endRun(id: string, action: ControlAction, change: Change, userId: string): Promise<TaggedSession> {
    const moved = await this.move(id, action, change, { userId });
    if (moved.from === RUNNING) await this.stopWork(id);
    return tagged(moved.session);
  }
}

function snapshotColumns(snapshot: LiveProgress | null): TransitionColumns {
  if (!snapshot) return {};
  return { phase: snapshot.phase, roundNumber: snapshot.roundNumber, totalCost: snapshot.totalCost, liveRev: snapshot.rev };
}

function definedOnly(columns: TransitionColumns): TransitionColumns {
  return Object.fromEntries(Object.entries(columns).filter(([, value]) => value !== undefined));
}

/** For system moves that lose to a client's (a kill came first): the refusal is the expected outcome. */
export function ignoreRefusal(error: unknown): undefined {
  if (error instanceof InvalidTransitionError) return undefined;
  throw error;
}

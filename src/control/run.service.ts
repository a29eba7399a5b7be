import { Injectable } from '@nestjs/common';
import type { Session } from '../sessions/session.columns.js';
import type { TransitionColumns } from '../sessions/session-transition.sql.js';
import { SessionStore } from '../sessions/session.store.js';
import type { ProgressUpdate } from '../sessions/session-write.types.js';
import { ControlService, ignoreRefusal, SYSTEM_ACTOR } from './control.service.js';
import { ProgressRecorder } from './live-progress/progress.recorder.js';

/** What a worker does to the sessions it runs: take one, vouch for it, report, finish. */
@Injectable()
export class RunService {
  constructor(
    private readonly rows: SessionStore,
    private readonly control: ControlService,
    private readonly recorder: ProgressRecorder,
  ) {}

  /** The worker takes a job: the session it names, if still running (a kill may have come first), now claimed. */
  claim(id: string): Promise<Session | null> {
    return this.rows.claim(id);
  }

  /** The claim never reached its worker: the session shows as waiting for one again. */
  async unclaim(id: string): Promise<void> {
    await this.rows.unclaim(id);
  }

  /** Refreshes the runs in progress; returns those still running. */
  heartbeat(ids: string[]): Promise<string[]> {
    return this.rows.heartbeat(ids);
  }

  /** False once the session left running: the handler is told to stop. */
  record(id: string, update: ProgressUpdate): Promise<boolean> {
    return this.recorder.record(id, update);
  }

  /**
   * The handler returned or threw: the worker's own run ends, so there is no work to stop.
   * Refused quietly when the session already left running (a kill won).
   */
  async finishRun(id: string, outcome: { result: TransitionColumns } | { error: string }): Promise<void> {
    const change =
      'result' in outcome
        ? { actor: SYSTEM_ACTOR, reason: 'the deliberation handler returned', set: outcome.result }
        : { actor: SYSTEM_ACTOR, reason: 'the deliberation handler failed', set: { error: outcome.error } };
    await this.control.move(id, 'result' in outcome ? 'complete' : 'fail', change).catch(ignoreRefusal);
  }
}

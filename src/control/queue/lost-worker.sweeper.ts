import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { isRowRefused } from '../../common/database-errors.js';
import { PeriodicSweep } from '../../common/periodic-sweep.js';
import { SetAside } from '../../common/set-aside.js';
import { controlConfig } from '../../config/app.config.js';
import { staleTiming, type StaleTiming } from '../../config/stale-timing.js';
import { RUNNING } from '../../sessions/session-status.js';
import { SessionStore } from '../../sessions/session.store.js';
import { ControlService, ignoreRefusal, SYSTEM_ACTOR } from '../control.service.js';
import { WorkQueue } from './work.queue.js';

/**
 * Runs on every instance that has the queue. A running session whose heartbeat went silent is
 * failed by `system` unless its job is still waiting for a worker (then nobody lost it). The
 * guarded update rechecks the silence, so two sweepers, or a worker that beats at the last moment,
 * cannot both win. A session whose row cannot be moved is set aside, so it never stalls the sweep.
 */
@Injectable()
export class LostWorkerSweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(LostWorkerSweeper.name);
  private readonly setAside = new SetAside(this.logger, 'lost-worker sweep');
  private readonly timing: StaleTiming;
  private readonly loop = new PeriodicSweep<string>(this.logger, 'lost-worker sweep', (lost) => this.pass(lost));

  constructor(
    private readonly rows: SessionStore,
    private readonly control: ControlService,
    private readonly queue: WorkQueue,
    @Inject(controlConfig.KEY) config: ConfigType<typeof controlConfig>,
  ) {
    this.timing = staleTiming(config.staleAfterSeconds);
  }

  onApplicationBootstrap(): void {
    if (this.queue.available) this.loop.start(this.timing.sweepMs);
  }

  onModuleDestroy(): void {
    this.loop.stop();
  }

  /** One pass; resolves to the ids it failed (each logged as it fails, as the timer's passes do). */
  sweep(): Promise<string[]> {
    return this.loop.run();
  }

  private async pass(lost: string[]): Promise<void> {
    for (const id of await this.rows.findSilentRunning(this.timing.silentSeconds, 100, this.setAside.list())) {
      // A queue we cannot read proves nothing: skip rather than fail a session that may be fine.
      if (await this.queue.isQueued(id)) await this.rows.heartbeat([id]);
      else if (await this.failLost(id).catch((error: unknown) => this.refused(id, error))) lost.push(id);
    }
  }

  /** A session whose own row PostgreSQL refuses to move is set aside (logged once); anything else (an outage) stops the pass. */
  private refused(id: string, error: unknown): false {
    if (!isRowRefused(error)) throw error;
    this.setAside.add(id, error);
    return false;
  }

  /** False when the session turned out alive (a heartbeat came) or already done. */
  private async failLost(id: string): Promise<boolean> {
    const { silentSeconds } = this.timing;
    const change = { actor: SYSTEM_ACTOR, reason: 'worker lost', set: { error: `worker lost: no heartbeat for ${silentSeconds} s` } };
    const moved = await this.control.move(id, 'fail', change, { silentForSeconds: silentSeconds }).catch(ignoreRefusal);
    if (moved) this.logger.warn(`session ${id} failed as worker lost: no heartbeat for ${silentSeconds} s`);
    // A worker that is only slow, not gone, is told to stop.
    if (moved?.from === RUNNING) await this.control.stopWork(id);
    return moved !== undefined;
  }
}

import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { controlConfig } from '../config/app.config.js';
import { ControlRepository } from './control.repository.js';
import { ControlService } from './control.service.js';
import { WorkQueue } from './work.queue.js';

/**
 * Timings derived from RUNNING_STALE_AFTER_SECONDS (S) so that a lost worker's session is failed
 * within S: silence for 2/3 S plus a sweep every 1/4 S stays under S, while a live worker beats
 * every 1/6 S, four beats inside the silence bound.
 */
export function staleTiming(staleAfterSeconds: number) {
  return {
    heartbeatMs: Math.max(100, Math.floor((staleAfterSeconds * 1000) / 6)),
    silentSeconds: Math.round((staleAfterSeconds * 2000) / 3) / 1000,
    sweepMs: Math.max(250, Math.round((staleAfterSeconds * 1000) / 4)),
  };
}

/**
 * Runs on every instance that has the queue. A running session whose heartbeat went silent is
 * failed by `system` unless its job is still waiting for a worker (then nobody lost it). The
 * guarded update rechecks the silence, so two sweepers, or a worker that beats at the last moment,
 * cannot both win.
 */
@Injectable()
export class LostWorkerSweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(LostWorkerSweeper.name);
  private readonly timing: ReturnType<typeof staleTiming>;
  private timer?: NodeJS.Timeout;
  private busy = false;

  constructor(
    private readonly repository: ControlRepository,
    private readonly control: ControlService,
    private readonly queue: WorkQueue,
    @Inject(controlConfig.KEY) config: ConfigType<typeof controlConfig>,
  ) {
    this.timing = staleTiming(config.staleAfterSeconds);
  }

  onApplicationBootstrap(): void {
    if (!this.queue.available) return;
    this.timer = setInterval(() => void this.sweep(), this.timing.sweepMs);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** One pass; resolves to the ids it failed. */
  async sweep(): Promise<string[]> {
    if (this.busy) return [];
    this.busy = true;
    const lost: string[] = [];
    try {
      for (const id of await this.repository.findSilentRunning(this.timing.silentSeconds, 100)) {
        // A queue we cannot read proves nothing: skip rather than fail a session that may be fine.
        if (await this.queue.isQueued(id)) await this.repository.heartbeat([id]);
        else if (await this.control.failLost(id, this.timing.silentSeconds)) lost.push(id);
      }
    } catch (error) {
      this.logger.warn(`lost-worker sweep interrupted: ${(error as Error).message}`);
    } finally {
      this.busy = false;
    }
    if (lost.length) this.logger.warn(`failed ${lost.length} running session(s) whose worker was lost: ${lost.join(', ')}`);
    return lost;
  }
}

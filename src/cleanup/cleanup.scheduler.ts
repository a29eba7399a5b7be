import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { sessionsConfig } from '../config/app.config.js';
import { CleanupService } from './cleanup.service.js';

export const CLEANUP_CRON_JOB = 'sessions-cleanup';

/**
 * Registers the pass on CLEANUP_CRON at start-up. The expression comes from configuration, which
 * a @Cron() decorator could not read (it is evaluated when the file is imported), so the job is
 * added to @nestjs/schedule's registry by hand; the registry stops it on shutdown.
 */
@Injectable()
export class CleanupScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger('Cleanup');

  constructor(
    private readonly registry: SchedulerRegistry,
    private readonly cleanup: CleanupService,
    @Inject(sessionsConfig.KEY) private readonly config: ConfigType<typeof sessionsConfig>,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.cleanupCron === 'off') {
      this.logger.log('CLEANUP_CRON=off: this instance runs no scheduled cleanup');
      return;
    }
    // waitForCompletion: a pass longer than the interval is not started a second time by this instance.
    const cron = CronJob.from({ cronTime: this.config.cleanupCron, onTick: () => this.tick(), waitForCompletion: true });
    this.registry.addCronJob(CLEANUP_CRON_JOB, cron);
    cron.start();
  }

  /**
   * Every instance ticks at the same scheduled second; that second is the pass's cutoff and its
   * identity, so an instance whose clock is a little late finds the pass done and skips it.
   */
  async tick(): Promise<void> {
    const slot = new Date(Math.floor(Date.now() / 1000) * 1000);
    try {
      await this.cleanup.run(slot, { trigger: 'schedule' });
    } catch (error) {
      this.logger.error(`scheduled cleanup failed: ${(error as Error).message}`);
    }
  }
}

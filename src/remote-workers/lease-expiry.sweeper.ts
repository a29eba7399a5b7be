import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { controlConfig } from '../config/app.config.js';
import { ControlService, ignoreRefusal, SYSTEM_ACTOR } from '../control/control.service.js';
import { RemoteWorkQueues } from '../control/queue/remote-work.queues.js';
import { PeriodicSweep } from '../common/periodic-sweep.js';
import { RUNNING } from '../sessions/session-status.js';
import { type ExpiredLease, LeaseBook } from './lease.book.js';

// Every second: a lease that runs out fails its session well within WORK_LEASE_SECONDS + 5 s.
const SWEEP_MS = 1000;
const BATCH = 100;

/**
 * Runs on every instance with Redis. Each expired lease is taken by one sweeper (an atomic step in
 * LeaseBook): its session fails as lost, by `system`, and its job leaves the queue. If the move
 * cannot be made (PostgreSQL down), the lost-worker sweep fails the session later: its job's lock
 * is gone by then, so nobody holds it.
 */
@Injectable()
export class LeaseExpirySweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(LeaseExpirySweeper.name);
  private readonly leaseSeconds: number;
  private readonly loop = new PeriodicSweep<string>(this.logger, 'lease sweep', (failed) => this.pass(failed));

  constructor(
    private readonly leases: LeaseBook,
    private readonly control: ControlService,
    private readonly queues: RemoteWorkQueues,
    @Inject(controlConfig.KEY) config: ConfigType<typeof controlConfig>,
  ) {
    this.leaseSeconds = config.leaseSeconds;
  }

  onApplicationBootstrap(): void {
    if (this.leases.available && this.queues.names.length > 0) this.loop.start(SWEEP_MS);
  }

  onModuleDestroy(): void {
    this.loop.stop();
  }

  /** One pass; resolves to the sessions it failed (each logged as it fails, as the timer's passes do). */
  sweep(): Promise<string[]> {
    return this.loop.run();
  }

  private async pass(failed: string[]): Promise<void> {
    for (const lease of await this.leases.expireDue(BATCH)) if (await this.failLost(lease)) failed.push(lease.sessionId);
  }

  private async failLost(lease: ExpiredLease): Promise<boolean> {
    const error = `worker lost: lease expired (no heartbeat for ${this.leaseSeconds} s)`;
    try {
      const moved = await this.control
        .move(lease.sessionId, 'fail', { actor: SYSTEM_ACTOR, reason: 'worker lost', set: { error } })
        .catch(ignoreRefusal);
      if (moved) this.logger.warn(`session ${lease.sessionId} failed as worker lost: lease ${lease.id} of worker ${lease.worker} expired`);
      if (moved?.from === RUNNING) await this.control.stopWork(lease.sessionId);
      await this.queues.finish(lease.handler, lease.sessionId, { error: 'lease expired' });
      return moved !== undefined;
    } catch (failure) {
      this.logger.warn(`session ${lease.sessionId} of expired lease ${lease.id} not failed yet: ${(failure as Error).message}`);
      return false;
    }
  }
}

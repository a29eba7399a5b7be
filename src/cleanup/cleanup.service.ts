import { Injectable } from '@nestjs/common';
import type { CleanupRun } from './cleanup-run.js';
import { CleanupInProgressError } from './cleanup.errors.js';
import { CleanupJob } from './cleanup.job.js';
import { CleanupRepository } from './cleanup.repository.js';

/** The admin routes' side of the cleanup: a pass on demand and the record of passes. */
@Injectable()
export class CleanupService {
  constructor(
    private readonly job: CleanupJob,
    private readonly repository: CleanupRepository,
  ) {}

  async runNow(dryRun: boolean): Promise<CleanupRun> {
    const outcome = await this.job.run(new Date(), { dryRun, trigger: 'api' });
    if (outcome.skipped) throw new CleanupInProgressError();
    return outcome.run;
  }

  recentRuns(limit: number): Promise<CleanupRun[]> {
    return this.repository.listRecentRuns(limit);
  }
}

export const CLEANUP_TRIGGERS = ['schedule', 'api', 'cli', 'direct'] as const;
/** Who started a pass: the cron, POST /admin/cleanup, `npm run cleanup`, or code calling run(). */
export type CleanupTrigger = (typeof CLEANUP_TRIGGERS)[number];

export const CLEANUP_RUN_STATUSES = ['running', 'completed', 'failed', 'abandoned'] as const;
export type CleanupRunStatus = (typeof CLEANUP_RUN_STATUSES)[number];

/** A recorded pass (a row of cleanup_runs). */
export interface CleanupRun {
  id: string;
  instance: string;
  trigger: CleanupTrigger;
  dryRun: boolean;
  /** The `now` of the pass: sessions whose expiresAt was at or before it were expired. */
  cutoff: Date;
  status: CleanupRunStatus;
  /** Sessions removed; on a dry run, the sessions a real pass would have removed. */
  expired: number;
  batches: number;
  error: string | null;
  startedAt: Date;
  finishedAt: Date | null;
}

/** Why a pass did not run: another holds the lock, already ran this scheduled pass, or this instance is stopping. */
export type SkipReason = 'locked' | 'already-ran' | 'stopping';

/** What run() did: the recorded pass, or why it skipped. */
export type CleanupOutcome = { skipped: true; reason: SkipReason; instance: string } | { skipped: false; run: CleanupRun };

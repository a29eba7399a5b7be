import type { CleanupRun } from './cleanup-run.js';
import type { CleanupResponse, CleanupRunResponse } from './dto/cleanup.response.js';

export function toCleanupRunResponse(run: CleanupRun): CleanupRunResponse {
  return {
    id: run.id,
    instance: run.instance,
    trigger: run.trigger,
    dryRun: run.dryRun,
    cutoff: run.cutoff.toISOString(),
    status: run.status,
    expired: run.expired,
    batches: run.batches,
    error: run.error,
    startedAt: run.startedAt.toISOString(),
    finishedAt: run.finishedAt ? run.finishedAt.toISOString() : null,
  };
}

export function toCleanupResponse(run: CleanupRun): CleanupResponse {
  return { expired: run.expired, dryRun: run.dryRun, runId: run.id };
}

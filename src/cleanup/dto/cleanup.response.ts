import { ApiProperty } from '@nestjs/swagger';
import { CLEANUP_RUN_STATUSES, CLEANUP_TRIGGERS, type CleanupRunStatus, type CleanupTrigger } from '../cleanup-run.js';

export class CleanupResponse {
  @ApiProperty({ description: 'sessions removed; on a dry run, sessions a pass would remove now' })
  expired: number;
  @ApiProperty() dryRun: boolean;
  @ApiProperty({ format: 'uuid', description: 'the recorded pass, as listed by GET /admin/cleanup/runs' })
  runId: string;
}

export class CleanupRunResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ description: 'host:pid:suffix of the instance that ran the pass' }) instance: string;
  @ApiProperty({ enum: CLEANUP_TRIGGERS }) trigger: CleanupTrigger;
  @ApiProperty() dryRun: boolean;
  @ApiProperty({ format: 'date-time', description: 'sessions whose expiresAt was at or before this were expired' }) cutoff: string;
  @ApiProperty({ enum: CLEANUP_RUN_STATUSES, description: 'abandoned: the instance stopped before the pass finished' })
  status: CleanupRunStatus;
  @ApiProperty({ description: 'sessions removed; on a dry run, sessions it would have removed' }) expired: number;
  @ApiProperty() batches: number;
  @ApiProperty({ nullable: true, type: String }) error: string | null;
  @ApiProperty({ format: 'date-time' }) startedAt: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) finishedAt: string | null;
}

export class CleanupRunsResponse {
  @ApiProperty({ type: [CleanupRunResponse], description: 'newest first' }) items: CleanupRunResponse[];
}

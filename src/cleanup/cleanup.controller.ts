import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiForbiddenResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '../auth/auth.decorators.js';
import { toCleanupResponse, toCleanupRunResponse } from './cleanup-run.mapper.js';
import { CleanupInProgressError } from './cleanup.errors.js';
import { CleanupService } from './cleanup.service.js';
import { CleanupResponse, CleanupRunsResponse } from './dto/cleanup.response.js';
import { ListCleanupRunsQuery } from './dto/list-cleanup-runs.query.js';
import { RunCleanupDto } from './dto/run-cleanup.dto.js';

@ApiTags('admin')
@ApiBearerAuth()
@ApiForbiddenResponse({ description: 'the token lacks the admin role' })
@RequireRole('admin')
@Controller('admin/cleanup')
export class CleanupController {
  constructor(private readonly cleanup: CleanupService) {}

  @Post()
  @HttpCode(200)
  @ApiOkResponse({ type: CleanupResponse, description: 'the pass ran (or, with dryRun, counted) on this instance' })
  @ApiConflictResponse({ description: 'CLEANUP_IN_PROGRESS: another pass holds the lock' })
  async run(@Body() dto: RunCleanupDto): Promise<CleanupResponse> {
    const outcome = await this.cleanup.run(new Date(), { dryRun: dto.dryRun ?? false, trigger: 'api' });
    // Asked for by a person, a skipped pass is an answer they must see, not a silent success.
    if (outcome.skipped) throw new CleanupInProgressError();
    return toCleanupResponse(outcome.run);
  }

  @Get('runs')
  @ApiOkResponse({ type: CleanupRunsResponse })
  async runs(@Query() query: ListCleanupRunsQuery): Promise<CleanupRunsResponse> {
    return { items: (await this.cleanup.recentRuns(query.limit)).map(toCleanupRunResponse) };
  }
}

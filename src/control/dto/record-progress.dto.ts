import { ApiPropertyOptional, PickType } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import { MAX_COST_DELTA } from '../../sessions/progress-bounds.js';
import { CompleteSessionDto } from './complete-session.dto.js';
import { IsCost } from './cost.validator.js';

/** phase and roundNumber as complete takes them; cost as an increment instead of a total. */
export class RecordProgressDto extends PickType(CompleteSessionDto, ['phase', 'roundNumber'] as const) {
  @ApiPropertyOptional({
    minimum: 0,
    maximum: MAX_COST_DELTA,
    description: 'added to totalCost, which may not pass 1e9 (422 COST_LIMIT_EXCEEDED)',
  })
  @IsOptional()
  @IsCost(MAX_COST_DELTA)
  readonly costDelta?: number;
}

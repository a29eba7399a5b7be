import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { FitsVarchar } from '../../common/varchar.validator.js';
import { MAX_PHASE_LENGTH, MAX_ROUND_NUMBER, MAX_TOTAL_COST } from '../../sessions/progress-bounds.js';
import { IsCost } from './cost.validator.js';

export class CompleteSessionDto {
  @ApiPropertyOptional({ maxLength: 100000 })
  @IsOptional()
  @IsString()
  @MaxLength(100000)
  readonly synthesisText?: string;

  @ApiPropertyOptional({ maxLength: 20000 })
  @IsOptional()
  @IsString()
  @MaxLength(20000)
  readonly finalRecommendation?: string;

  @ApiPropertyOptional({ minimum: 0, maximum: MAX_TOTAL_COST, description: 'replaces the accumulated cost; at most 6 decimals' })
  @IsOptional()
  @IsCost(MAX_TOTAL_COST)
  readonly totalCost?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: MAX_ROUND_NUMBER })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_ROUND_NUMBER)
  readonly roundNumber?: number;

  @ApiPropertyOptional({ minLength: 1, maxLength: MAX_PHASE_LENGTH })
  @IsOptional()
  @IsString()
  @FitsVarchar(1, MAX_PHASE_LENGTH)
  readonly phase?: string;
}

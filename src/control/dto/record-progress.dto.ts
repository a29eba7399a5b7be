import { ApiPropertyOptional, PickType } from '@nestjs/swagger';
import { IsNumber, IsOptional, Max, Min } from 'class-validator';
import { CompleteSessionDto } from './complete-session.dto.js';

/** phase and roundNumber as complete takes them; cost as an increment instead of a total. */
export class RecordProgressDto extends PickType(CompleteSessionDto, ['phase', 'roundNumber'] as const) {
  @ApiPropertyOptional({ minimum: 0, description: 'added to totalCost' })
  @IsOptional() @IsNumber({ allowNaN: false, allowInfinity: false, maxDecimalPlaces: 6 }) @Min(0) @Max(1e9)
  readonly costDelta?: number;
}

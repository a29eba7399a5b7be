import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { SESSION_STATUSES, type SessionStatus } from '../session-status.js';

export class ListSessionsQuery {
  @ApiPropertyOptional({ enum: SESSION_STATUSES, description: 'deleted sessions are listed only when asked for' })
  @IsOptional()
  @IsIn(SESSION_STATUSES)
  readonly status?: SessionStatus;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  readonly limit: number = 20;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  readonly cursor?: string;
}

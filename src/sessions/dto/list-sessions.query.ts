import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { FitsVarchar } from '../../common/varchar.validator.js';
import { SESSION_STATUSES, type SessionStatus } from '../session-status.js';

export class ListSessionsQuery {
  @ApiPropertyOptional({
    enum: SESSION_STATUSES,
    enumName: 'SessionStatus',
    description: 'deleted sessions are listed only when asked for',
  })
  @IsOptional()
  @IsIn(SESSION_STATUSES)
  readonly status?: SessionStatus;

  @ApiPropertyOptional({ minLength: 1, maxLength: 200, description: 'only sessions whose title contains this text, case-insensitively' })
  @IsOptional()
  @IsString()
  @FitsVarchar(1, 200)
  // Never U+0000 (PostgreSQL text cannot hold it); no title search needs another control character either.
  @Matches(/^[^\p{Cc}]*$/u, { message: 'q must not contain control characters' })
  readonly q?: string;

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

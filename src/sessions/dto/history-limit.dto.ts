import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import type { HistoryTrim } from '../session.columns.js';

export const MAX_HISTORY_MESSAGES = 1_000_000_000;
export const MAX_HISTORY_BYTES = 1_000_000_000_000_000;

/** A session's cap on its history; an absent bound follows the server's default (HISTORY_MAX_MESSAGES / HISTORY_MAX_BYTES). */
export class HistoryLimitDto {
  @ApiPropertyOptional({
    minimum: 0,
    maximum: MAX_HISTORY_MESSAGES,
    description: 'keep at most this many messages (0: no bound); absent: HISTORY_MAX_MESSAGES',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_HISTORY_MESSAGES)
  readonly maxMessages?: number;

  @ApiPropertyOptional({
    minimum: 0,
    maximum: MAX_HISTORY_BYTES,
    description: "keep at most this many UTF-8 bytes of the messages' content as stored (0: no bound); absent: HISTORY_MAX_BYTES",
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_HISTORY_BYTES)
  readonly maxBytes?: number;

  @ApiPropertyOptional({
    enum: ['user', 'any'],
    description: '"user" (default): the cut moves forward to the next user message inside the cap, when there is one; "any": exact',
  })
  @IsOptional()
  @IsIn(['user', 'any'])
  readonly trim?: HistoryTrim;
}

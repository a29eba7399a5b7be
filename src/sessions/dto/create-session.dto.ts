import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsObject, IsOptional, IsString, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import type { JsonText } from '../../common/json-text.js';
import { IsJsonObject } from '../../common/validators.js';
import { FitsVarchar } from '../../common/varchar.validator.js';
import { IsSessionKey, SESSION_KEY_MAX } from '../session-key.js';
import { HistoryLimitDto } from './history-limit.dto.js';

export const MAX_OBJECT_BYTES = 64 * 1024;

export class CreateSessionDto {
  @ApiPropertyOptional({
    minLength: 1,
    maxLength: SESSION_KEY_MAX,
    description: "the client's name for the session: unique among your sessions that are not deleted, no control characters",
  })
  @IsOptional()
  @IsSessionKey()
  readonly key?: string;

  @ApiPropertyOptional({ maxLength: 500 })
  @IsOptional()
  @IsString()
  @FitsVarchar(0, 500)
  readonly title?: string;

  @ApiPropertyOptional({ maxLength: 20000 })
  @IsOptional()
  @IsString()
  @MaxLength(20000)
  readonly problemStatement?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'JSON object, at most 64 KiB as sent; answered exactly as sent',
  })
  @IsOptional()
  @IsJsonObject(MAX_OBJECT_BYTES)
  readonly context?: JsonText;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'JSON object, at most 64 KiB as sent; answered exactly as sent',
  })
  @IsOptional()
  @IsJsonObject(MAX_OBJECT_BYTES)
  readonly metadata?: JsonText;

  @ApiPropertyOptional({
    minimum: 60,
    maximum: 315360000,
    description: 'Expire this long after the last activity instead of SESSION_RETENTION_DAYS',
  })
  @IsOptional()
  @IsInt()
  @Min(60)
  @Max(315360000)
  readonly ttlSeconds?: number;

  @ApiPropertyOptional({
    type: HistoryLimitDto,
    description: 'cap on the history: an append that would pass it removes the oldest messages (never the appended ones)',
  })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => HistoryLimitDto)
  readonly historyLimit?: HistoryLimitDto;
}

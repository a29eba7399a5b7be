import { ApiPropertyOptional, PickType } from '@nestjs/swagger';
import { ValidateIf } from 'class-validator';
import type { JsonText } from '../../common/json-text.js';
import { IsJsonObject } from '../../common/validators.js';
import { CreateSessionDto, MAX_OBJECT_BYTES } from './create-session.dto.js';

/**
 * The fields PATCH may change; `metadata` and `historyLimit` replace the object whole (a new cap
 * applies from the next append; `historyLimit: null` returns to the server's defaults).
 */
export class UpdateSessionDto extends PickType(CreateSessionDto, ['title', 'historyLimit'] as const) {
  // Absent leaves it as it is; null is refused (IsOptional would pass it on to a NOT NULL column: a 500).
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'JSON object, at most 64 KiB; replaces the whole' })
  @ValidateIf((_dto, value) => value !== undefined)
  @IsJsonObject(MAX_OBJECT_BYTES)
  readonly metadata?: JsonText;
}

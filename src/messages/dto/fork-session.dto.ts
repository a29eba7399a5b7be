import { ApiPropertyOptional, PickType } from '@nestjs/swagger';
import { IsInt, Max, Min, ValidateIf } from 'class-validator';
import type { JsonText } from '../../common/json-text.js';
import { IsJsonObject } from '../../common/validators.js';
import { CreateSessionDto, MAX_OBJECT_BYTES } from '../../sessions/dto/create-session.dto.js';
import { NO_SEQ_BOUND } from '../history.sql.js';

/** POST /sessions/:id/fork: where to cut, and the new session's own key, title and metadata. */
export class ForkSessionDto extends PickType(CreateSessionDto, ['key', 'title'] as const) {
  @ApiPropertyOptional({
    minimum: 1,
    maximum: NO_SEQ_BOUND,
    description: "the last of the source's seqs to copy (default: all); past the source's last message is 400 FORK_POINT_OUT_OF_RANGE",
  })
  @ValidateIf((_dto, value) => value !== undefined)
  @IsInt()
  @Min(1)
  @Max(NO_SEQ_BOUND)
  readonly atSeq?: number;

  // Absent: the source's; null is refused, as PATCH refuses it.
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: "JSON object, at most 64 KiB; default: the source's" })
  @ValidateIf((_dto, value) => value !== undefined)
  @IsJsonObject(MAX_OBJECT_BYTES)
  readonly metadata?: JsonText;
}

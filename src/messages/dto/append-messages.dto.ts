import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsArray, IsInt, IsOptional, IsString, Max, Min, ValidateBy, ValidateIf, ValidateNested } from 'class-validator';
import type { JsonText } from '../../common/json-text.js';
import { IsJsonObject, IsPresent, NotWith } from '../../common/validators.js';
import { FitsVarchar } from '../../common/varchar.validator.js';
import { MAX_OBJECT_BYTES } from '../../sessions/dto/create-session.dto.js';

// seq is an integer column.
const MAX_SEQ = 2147483647;

export class MessageInputDto {
  @ApiProperty({ minLength: 1, maxLength: 64, example: 'user' })
  @IsString()
  @FitsVarchar(1, 64)
  readonly role: string;

  // type: Object as for an `unknown` field (the JsonText class is no schema); answered exactly as sent.
  @ApiProperty({ type: Object, description: 'any JSON value: a string, or the structured items an agent SDK produces' })
  @IsPresent()
  readonly content: JsonText;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional()
  @IsJsonObject(MAX_OBJECT_BYTES)
  readonly metadata?: JsonText;
}

/** One message (`role`, `content`, `metadata?`) or a batch (`items`), never both. */
export class AppendMessagesDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: 64, description: 'single form' })
  @ValidateIf((dto) => dto.items === undefined || dto.role !== undefined)
  @IsString()
  @FitsVarchar(1, 64)
  readonly role?: string;

  @ApiPropertyOptional({ type: Object, description: 'single form: any JSON value' })
  @ValidateIf((dto) => dto.items === undefined || dto.content !== undefined)
  @IsPresent()
  readonly content?: JsonText;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'single form' })
  @IsOptional()
  @IsJsonObject(MAX_OBJECT_BYTES)
  readonly metadata?: JsonText;

  @ApiPropertyOptional({
    type: [MessageInputDto],
    description:
      'batch form: up to MESSAGES_MAX_ITEMS messages (10,000 by default) and the body limit, stored in one transaction; ' +
      'at least one, except with replaceFromSeq (an empty list then only removes)',
  })
  // Not IsOptional: that lets null through as if absent, and the service then had neither form (a 500).
  @ValidateIf((dto) => dto.items !== undefined)
  @NotWith(['role', 'content', 'metadata'])
  @IsArray()
  @ValidateBy(
    {
      name: 'hasItemsUnlessReplacing',
      validator: { validate: (items: unknown, args) => !Array.isArray(items) || items.length > 0 || isReplacing(args?.object) },
    },
    { message: 'items must hold at least one message (or come with replaceFromSeq)' },
  )
  @ValidateNested({ each: true })
  @Type(() => MessageInputDto)
  readonly items?: MessageInputDto[];

  @ApiPropertyOptional({
    minimum: 1,
    maximum: MAX_SEQ,
    description: 'remove every message with seq >= this first, in the same transaction (seqs are never reused: the new ones continue)',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_SEQ)
  readonly replaceFromSeq?: number;
}

/** PUT .../messages: the whole history replaced by `items` (none: emptied), in one transaction. */
export class ReplaceMessagesDto {
  @ApiProperty({ type: [MessageInputDto], description: 'the new history, up to MESSAGES_MAX_ITEMS messages and the body limit' })
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => MessageInputDto)
  readonly items: MessageInputDto[];
}

function isReplacing(dto: unknown): boolean {
  return (dto as AppendMessagesDto | undefined)?.replaceFromSeq !== undefined;
}

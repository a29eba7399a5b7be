import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsOptional, IsString, ValidateIf, ValidateNested } from 'class-validator';
import type { JsonText } from '../../common/json-text.js';
import { IsJsonObject, IsPresent, NotWith } from '../../common/validators.js';
import { FitsVarchar } from '../../common/varchar.validator.js';
import { MAX_OBJECT_BYTES } from '../../sessions/dto/create-session.dto.js';

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

  @ApiPropertyOptional({ type: [MessageInputDto], minItems: 1, maxItems: 100, description: 'batch form' })
  // Not IsOptional: that lets null through as if absent, and the service then had neither form (a 500).
  @ValidateIf((dto) => dto.items !== undefined)
  @NotWith(['role', 'content', 'metadata'])
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => MessageInputDto)
  readonly items?: MessageInputDto[];
}

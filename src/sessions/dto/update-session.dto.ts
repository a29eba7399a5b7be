import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { IsJsonObject } from '../../common/validators.js';
import { MAX_OBJECT_BYTES } from './create-session.dto.js';

export class UpdateSessionDto {
  @ApiPropertyOptional({ maxLength: 500 })
  @IsOptional() @IsString() @MaxLength(500)
  readonly title?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'Replaces the metadata object' })
  @IsOptional() @IsJsonObject(MAX_OBJECT_BYTES)
  readonly metadata?: Record<string, unknown>;
}

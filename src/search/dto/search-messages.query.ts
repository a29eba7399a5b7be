import { ApiPropertyOptional, ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min } from 'class-validator';
import { FitsVarchar } from '../../common/varchar.validator.js';

export class SearchMessagesQuery {
  @ApiProperty({ minLength: 2, maxLength: 200, description: 'text to find, case-insensitively; %, _ and \\ match themselves' })
  @IsString()
  @FitsVarchar(2, 200)
  // No control characters: PostgreSQL text cannot hold U+0000, and the strings of a message are
  // joined by newlines, so a q without one never matches across two of them.
  @Matches(/^[^\p{Cc}]*$/u, { message: 'q must not contain control characters' })
  readonly q: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'only this session of yours (404 when it is not yours)' })
  @IsOptional()
  @IsUUID('all')
  readonly sessionId?: string;

  @ApiPropertyOptional({ maxLength: 64, description: 'only messages with this role' })
  @IsOptional()
  @IsString()
  @FitsVarchar(1, 64)
  readonly role?: string;

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

import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';

export class KillSessionDto {
  @ApiPropertyOptional({ maxLength: 1000, description: 'kept in the audit trail' })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  readonly reason?: string;
}

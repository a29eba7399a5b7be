import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional } from 'class-validator';

export class RunCleanupDto {
  @ApiPropertyOptional({ default: false, description: 'count what a pass would remove, and remove nothing' })
  @IsOptional()
  @IsBoolean()
  readonly dryRun?: boolean;
}

import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

export class ListMessagesQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 100 })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000)
  readonly limit: number = 100;

  @ApiPropertyOptional({ minimum: 1, description: 'only messages with a smaller seq (nextBefore of the previous page)' })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(2147483647)
  readonly before?: number;
}

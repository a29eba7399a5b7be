import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsNumber, IsOptional, IsString, Length, Max, MaxLength, Min } from 'class-validator';

export class CompleteSessionDto {
  @ApiPropertyOptional({ maxLength: 100000 })
  @IsOptional() @IsString() @MaxLength(100000)
  readonly synthesisText?: string;

  @ApiPropertyOptional({ maxLength: 20000 })
  @IsOptional() @IsString() @MaxLength(20000)
  readonly finalRecommendation?: string;

  @ApiPropertyOptional({ minimum: 0, description: 'replaces the accumulated cost' })
  @IsOptional() @IsNumber({ allowNaN: false, allowInfinity: false, maxDecimalPlaces: 6 }) @Min(0) @Max(1e12)
  readonly totalCost?: number;

  @ApiPropertyOptional({ minimum: 0 })
  @IsOptional() @IsInt() @Min(0) @Max(1000000)
  readonly roundNumber?: number;

  @ApiPropertyOptional({ minLength: 1, maxLength: 64 })
  @IsOptional() @IsString() @Length(1, 64)
  readonly phase?: string;
}

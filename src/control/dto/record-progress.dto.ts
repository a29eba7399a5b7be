import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsNumber, IsOptional, IsString, Length, Max, Min } from 'class-validator';

export class RecordProgressDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: 64 })
  @IsOptional() @IsString() @Length(1, 64)
  readonly phase?: string;

  @ApiPropertyOptional({ minimum: 0 })
  @IsOptional() @IsInt() @Min(0) @Max(1000000)
  readonly roundNumber?: number;

  @ApiPropertyOptional({ minimum: 0, description: 'added to totalCost' })
  @IsOptional() @IsNumber({ allowNaN: false, allowInfinity: false, maxDecimalPlaces: 6 }) @Min(0) @Max(1e9)
  readonly costDelta?: number;
}

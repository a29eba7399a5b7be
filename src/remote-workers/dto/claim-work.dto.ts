import { ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';

/** Long polls wait at most this long: under the HTTP request timeout and most proxies' idle ones. */
export const MAX_WAIT_SECONDS = 30;

export class ClaimWorkDto {
  @ApiPropertyOptional({
    type: [String],
    uniqueItems: true,
    example: ['research'],
    description: 'remote handlers to take work of, each named once; absent, any of REMOTE_HANDLERS',
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  // Each name is a look into Redis per pass of the claim: a repeat only multiplies that.
  @ArrayUnique({ message: 'handlers must name each handler once' })
  @IsString({ each: true })
  @Length(1, 128, { each: true })
  readonly handlers?: string[];

  @ApiPropertyOptional({ minimum: 0, maximum: MAX_WAIT_SECONDS, default: 0, description: 'how long to wait for work before 204' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_WAIT_SECONDS)
  readonly waitSeconds?: number;
}

export class HeartbeatDto {
  @ApiPropertyOptional({
    minimum: 0,
    maximum: MAX_WAIT_SECONDS,
    default: 0,
    description: 'how long to wait for the session to stop; the lease stays alive meanwhile',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_WAIT_SECONDS)
  readonly waitSeconds?: number;
}

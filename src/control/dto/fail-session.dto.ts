import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';

export class FailSessionDto {
  @ApiProperty({ minLength: 1, maxLength: 10000 })
  @IsString()
  @Length(1, 10000)
  readonly error: string;
}

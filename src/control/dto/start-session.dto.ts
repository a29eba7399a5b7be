import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length } from 'class-validator';

export class StartSessionDto {
  @ApiPropertyOptional({
    minLength: 1,
    maxLength: 128,
    example: 'research',
    description:
      'a registered handler: built-in (scripted), the DELIBERATION_HANDLER module by its file name, or one of REMOTE_HANDLERS; default DELIBERATION_HANDLER. Unknown: 400 UNKNOWN_HANDLER',
  })
  @IsOptional()
  @IsString()
  @Length(1, 128)
  readonly handler?: string;
}

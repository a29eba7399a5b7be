import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';
import { FitsVarchar } from '../common/varchar.validator.js';

export class DevTokenDto {
  @ApiProperty({ minLength: 1, maxLength: 128, description: 'the user id (`sub`) the token names' })
  @IsString()
  @FitsVarchar(1, 128)
  // The rule token verification applies to `sub` (token-claims.ts): a token it would refuse is not minted.
  @Matches(/^[^\p{Cc}\p{Cs}]*$/u, { message: 'user must be well-formed Unicode without control characters' })
  readonly user: string;
}

export class DevTokenResponse {
  @ApiProperty() token: string;
  @ApiProperty({ format: 'date-time' }) expiresAt: string;
}

import { ApiProperty } from '@nestjs/swagger';

export class TransitionResponse {
  @ApiProperty() from: string;
  @ApiProperty() to: string;
  @ApiProperty({ format: 'date-time' }) at: string;
  @ApiProperty({ description: 'the user id, or "system" for the worker and the lost-worker sweep' }) actor: string;
  @ApiProperty({ nullable: true, type: String }) reason: string | null;
}

export class TransitionListResponse {
  @ApiProperty({ type: [TransitionResponse] }) items: TransitionResponse[];
}

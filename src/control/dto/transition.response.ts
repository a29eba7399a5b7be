import { ApiProperty } from '@nestjs/swagger';
import { SESSION_STATUSES, type SessionStatus } from '../../sessions/session-status.js';

export class TransitionResponse {
  @ApiProperty({ enum: SESSION_STATUSES, enumName: 'SessionStatus' }) from: SessionStatus;
  @ApiProperty({ enum: SESSION_STATUSES, enumName: 'SessionStatus' }) to: SessionStatus;
  @ApiProperty({ format: 'date-time' }) at: string;
  @ApiProperty({ description: 'the user id, or "system" for the worker and the lost-worker sweep' }) actor: string;
  @ApiProperty({ nullable: true, type: String }) reason: string | null;
}

export class TransitionListResponse {
  @ApiProperty({ type: [TransitionResponse] }) items: TransitionResponse[];
}

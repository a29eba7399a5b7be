import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { SessionResponse } from '../../sessions/dto/session.response.js';

export class LeaseResponse {
  @ApiProperty({ format: 'uuid', description: 'the path of every call under the lease: /work/{id}/...' }) id: string;
  @ApiProperty({ description: 'renewed by every call under the lease; WORK_LEASE_SECONDS ahead' }) expiresAt: string;
}

export class ClaimResponse {
  @ApiProperty() lease: LeaseResponse;
  @ApiProperty() session: SessionResponse;
}

export class HeartbeatResponse {
  @ApiProperty({ description: 'true once the session left running: stop working, nothing more is kept' }) stop: boolean;
  @ApiPropertyOptional({ description: 'with stop false: the renewed expiry' }) expiresAt?: string;
  @ApiPropertyOptional({ description: 'with stop true: the status the session is in' }) status?: string;
}

import { ApiProperty } from '@nestjs/swagger';

export class MessageResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) sessionId: string;
  @ApiProperty({ description: 'starts at 1, grows by one per message, never reused' }) seq: number;
  @ApiProperty() role: string;
  @ApiProperty({ description: 'any JSON value' }) content: unknown;
  @ApiProperty({ type: 'object', additionalProperties: true }) metadata: Record<string, unknown>;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}

export class MessageListResponse {
  @ApiProperty({ type: [MessageResponse] }) items: MessageResponse[];
}

export class MessagePageResponse extends MessageListResponse {
  @ApiProperty({ nullable: true, type: Number, description: 'pass as before for the older page; null when none is left' })
  nextBefore: number | null;
}

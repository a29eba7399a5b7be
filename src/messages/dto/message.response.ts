import { ApiProperty } from '@nestjs/swagger';
import type { JsonText } from '../../common/json-text.js';

export class MessageResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) sessionId: string;
  @ApiProperty({ description: 'starts at 1, grows by one per message, never reused' }) seq: number;
  @ApiProperty() role: string;
  // Written into the answer as the exact text the client sent (see stringifyExact).
  @ApiProperty({ type: Object, description: 'any JSON value, exactly as sent' }) content: JsonText;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'exactly as sent' }) metadata: JsonText;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}

export class MessageListResponse {
  @ApiProperty({ type: [MessageResponse] }) items: MessageResponse[];
}

export class MessagePageResponse extends MessageListResponse {
  @ApiProperty({ nullable: true, type: Number, description: 'pass as before for the older page; null when none is left' })
  nextBefore: number | null;
}

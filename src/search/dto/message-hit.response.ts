import { ApiProperty } from '@nestjs/swagger';

export class MessageHitResponse {
  @ApiProperty({ format: 'uuid' }) sessionId: string;
  @ApiProperty({ nullable: true, type: String }) sessionTitle: string | null;
  @ApiProperty() seq: number;
  @ApiProperty() role: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({
    description: 'about 120 characters of the message text around the first match, whitespace collapsed; … where it was cut',
  })
  snippet: string;
}

export class MessageSearchResponse {
  @ApiProperty({ type: [MessageHitResponse], description: 'newest first' }) items: MessageHitResponse[];
  @ApiProperty({ nullable: true, type: String, description: 'pass as cursor for the next page; null when none is left' })
  nextCursor: string | null;
}

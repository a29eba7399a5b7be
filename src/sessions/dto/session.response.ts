import { ApiProperty } from '@nestjs/swagger';
import type { JsonText } from '../../common/json-text.js';
import type { HistoryTrim } from '../session.columns.js';
import { SESSION_STATUSES, type SessionStatus } from '../session-status.js';

export class HistoryLimitResponse {
  @ApiProperty({ nullable: true, type: Number, description: "the session's own bound (0: none); null: the server's HISTORY_MAX_MESSAGES" })
  maxMessages: number | null;
  @ApiProperty({ nullable: true, type: Number, description: "UTF-8 bytes of content (0: none); null: the server's HISTORY_MAX_BYTES" })
  maxBytes: number | null;
  @ApiProperty({ enum: ['user', 'any'] }) trim: HistoryTrim;
}

export class ForkedFromResponse {
  @ApiProperty({ format: 'uuid', description: 'the session this one was forked from' }) sessionId: string;
  @ApiProperty({ description: "the last of the source's seqs the fork copied (0: the source had no messages)" }) atSeq: number;
}

export class SessionResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() userId: string;
  @ApiProperty({ nullable: true, type: String, description: 'the client-chosen key, null when none' }) key: string | null;
  @ApiProperty({ nullable: true, type: String }) title: string | null;
  @ApiProperty({ nullable: true, type: String }) problemStatement: string | null;
  // Written into the answer as the exact text the client sent (see stringifyExact).
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'exactly as sent' }) context: JsonText;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'exactly as sent' }) metadata: JsonText;
  @ApiProperty({ enum: SESSION_STATUSES, enumName: 'SessionStatus' }) status: SessionStatus;
  @ApiProperty({ nullable: true, type: String }) phase: string | null;
  @ApiProperty() roundNumber: number;
  @ApiProperty() totalCost: number;
  @ApiProperty({ nullable: true, type: String }) synthesisText: string | null;
  @ApiProperty({ nullable: true, type: String }) finalRecommendation: string | null;
  @ApiProperty({ nullable: true, type: String }) error: string | null;
  @ApiProperty({ description: 'how many messages the history holds now (trimmed, popped and removed ones are not counted)' })
  messageCount: number;
  @ApiProperty({ description: 'every message up to this seq was removed by the history cap (0: none)' }) trimmedThroughSeq: number;
  @ApiProperty({ type: HistoryLimitResponse }) historyLimit: HistoryLimitResponse;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) startedAt: string | null;
  @ApiProperty({
    format: 'date-time',
    nullable: true,
    type: String,
    description:
      'when a worker (in the service, or remote through POST /work/claim) took the work of the run; null while a running session waits for a worker, and for one never started',
  })
  claimedAt: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) endedAt: string | null;
  @ApiProperty({ format: 'date-time' }) lastActivityAt: string;
  @ApiProperty({
    format: 'date-time',
    description:
      'from when the cleanup may remove the session: at least TTL (ttlSeconds, else the retention) after the last activity, at most 1 % of the TTL (≤ 1 h) later',
  })
  expiresAt: string;
  @ApiProperty({
    type: ForkedFromResponse,
    nullable: true,
    description: 'where a fork (POST /sessions/:id/fork) came from; null for a session that is no fork',
  })
  forkedFrom: ForkedFromResponse | null;
}

export class SessionPageResponse {
  @ApiProperty({ type: [SessionResponse] }) items: SessionResponse[];
  @ApiProperty({ nullable: true, type: String, description: 'pass as cursor for the next page; null on the last' })
  nextCursor: string | null;
}

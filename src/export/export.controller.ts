import { Controller, Get, Res, StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiProduces, ApiTags, ApiTooManyRequestsResponse } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { AuthUser } from '../auth/auth-user.js';
import { CurrentUser } from '../auth/auth.decorators.js';
import { ExportService } from './export.service.js';

// A reader that takes nothing for this long is let go, with its snapshot and connection (as limit=all's).
const STREAM_IDLE_MS = 30_000;

@ApiTags('export')
@ApiBearerAuth()
@Controller('export')
export class ExportController {
  constructor(private readonly exports: ExportService) {}

  @Get()
  @ApiProduces('application/x-ndjson')
  @ApiOkResponse({
    schema: { type: 'string' },
    description:
      "the caller's sessions (not deleted), oldest first, streamed as JSON lines: one line per session, " +
      '{"format":"session-store/v1","session":{...as GET /sessions/{id}},"messages":[...as GET /sessions/{id}/messages?limit=all]}',
  })
  @ApiTooManyRequestsResponse({ description: "TOO_MANY_CONCURRENT_EXPORTS: the caller's export is already running" })
  async export(@CurrentUser() user: AuthUser, @Res({ passthrough: true }) reply: FastifyReply): Promise<StreamableFile> {
    const lines = await this.exports.open(user.id);
    reply.raw.setTimeout(STREAM_IDLE_MS, () => reply.raw.destroy());
    return new StreamableFile(lines, { type: 'application/x-ndjson; charset=utf-8', disposition: 'attachment; filename="sessions.jsonl"' });
  }
}

import { Controller, Get, Headers, Param, Res } from '@nestjs/common';
import { ApiBadRequestResponse, ApiBearerAuth, ApiHeader, ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { AuthUser } from '../auth/auth-user.js';
import { CurrentUser } from '../auth/auth.decorators.js';
import { SessionIdPipe } from '../sessions/session-id.pipe.js';
import { EventsService } from './events.service.js';

const STREAM = {
  description:
    'text/event-stream: session.created, session.status, session.progress, session.messages, session.deleted, each with an id ' +
    'and a JSON data line holding sessionId; a comment line every 15 s',
  content: { 'text/event-stream': { schema: { type: 'string' } } },
};
const LAST_EVENT_ID = {
  name: 'Last-Event-ID',
  required: false,
  description: 'resume after this event (from the last hour), on any instance',
};
const UNAVAILABLE = 'EVENTS_UNAVAILABLE: Redis (which holds the streams) cannot be reached; with Retry-After';

@ApiTags('events')
@ApiBearerAuth()
@Controller()
export class EventsController {
  constructor(private readonly events: EventsService) {}

  @Get('events')
  @ApiOkResponse(STREAM)
  @ApiHeader(LAST_EVENT_ID)
  @ApiBadRequestResponse({ description: 'INVALID_LAST_EVENT_ID' })
  @ApiServiceUnavailableResponse({ description: UNAVAILABLE })
  all(@CurrentUser() user: AuthUser, @Headers('last-event-id') lastEventId: string | undefined, @Res() reply: FastifyReply): Promise<void> {
    return this.events.subscribe(reply, user.id, null, lastEventId);
  }

  @Get('sessions/:id/events')
  @ApiTags('sessions')
  @ApiOkResponse(STREAM)
  @ApiHeader(LAST_EVENT_ID)
  @ApiBadRequestResponse({ description: 'INVALID_LAST_EVENT_ID' })
  @ApiServiceUnavailableResponse({ description: UNAVAILABLE })
  ofSession(
    @CurrentUser() user: AuthUser,
    @Param('id', SessionIdPipe) id: string,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    return this.events.subscribe(reply, user.id, id, lastEventId);
  }
}

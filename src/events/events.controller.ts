import { Controller, Get, Headers, Param, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiHeader,
  ApiOkResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { AuthUser } from '../auth/auth-user.js';
import { CurrentUser } from '../auth/auth.decorators.js';
import { SessionIdPipe } from '../sessions/session-id.pipe.js';
import { EventsService } from './events.service.js';

const STREAM = {
  description:
    'text/event-stream: session.created, session.status, session.progress, session.messages, session.deleted, each with an id ' +
    'and a JSON data line (at most 64 KiB) holding sessionId; a comment line every 15 s. session.messages: change ' +
    '(appended, replaced, popped, cleared), firstSeq and lastSeq (the new seqs, when there are any), seqs (the new seqs listed: ' +
    'absent when the list would pass 64 KiB), removed with removedFromSeq and removedThroughSeq (a replace), messageCount. ' +
    'A client that falls STREAM_BUFFER_BYTES behind is cut off; it resumes with Last-Event-ID.',
  content: { 'text/event-stream': { schema: { type: 'string' } } },
};
const LAST_EVENT_ID = {
  name: 'Last-Event-ID',
  required: false,
  description: 'resume after this event (from the last hour), on any instance; empty is the same as absent',
};
const TOO_MANY = 'TOO_MANY_STREAMS: MAX_STREAMS_PER_USER streams of this user are open (on every instance); with Retry-After';
const UNAVAILABLE =
  'EVENTS_UNAVAILABLE: Redis (which holds the streams) cannot be reached, or there is none and WORK_QUEUE is not in-process ' +
  '(only an instance that is the only one keeps events in its memory); with Retry-After';

@ApiTags('events')
@ApiBearerAuth()
@Controller()
export class EventsController {
  constructor(private readonly events: EventsService) {}

  @Get('events')
  @ApiOkResponse(STREAM)
  @ApiHeader(LAST_EVENT_ID)
  @ApiBadRequestResponse({ description: 'INVALID_LAST_EVENT_ID' })
  @ApiTooManyRequestsResponse({ description: TOO_MANY })
  @ApiServiceUnavailableResponse({ description: UNAVAILABLE })
  all(@CurrentUser() user: AuthUser, @Headers('last-event-id') lastEventId: string | undefined, @Res() reply: FastifyReply): Promise<void> {
    return this.events.subscribe(reply, user.id, null, lastEventId);
  }

  @Get('sessions/:id/events')
  @ApiTags('sessions')
  @ApiOkResponse(STREAM)
  @ApiHeader(LAST_EVENT_ID)
  @ApiBadRequestResponse({ description: 'INVALID_LAST_EVENT_ID' })
  @ApiTooManyRequestsResponse({ description: TOO_MANY })
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

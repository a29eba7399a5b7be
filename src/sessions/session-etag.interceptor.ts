import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { map, type Observable } from 'rxjs';
import type { SessionResponse } from './dto/session.response.js';
import { SERVED_FROM_HEADER } from './served-from.js';
import { type TaggedSession, toSessionResponse } from './session.mapper.js';

/** The one place the ETag header (and X-Served-From) is set: a handler returns a TaggedSession, the client gets its response and ETag. */
@Injectable()
export class SessionEtagInterceptor implements NestInterceptor<TaggedSession, SessionResponse> {
  intercept(context: ExecutionContext, next: CallHandler<TaggedSession>): Observable<SessionResponse> {
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    return next.handle().pipe(
      map(({ session, etag, servedFrom }) => {
        reply.header('ETag', etag);
        if (servedFrom) reply.header(SERVED_FROM_HEADER, servedFrom);
        return toSessionResponse(session);
      }),
    );
  }
}

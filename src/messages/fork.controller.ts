import { Body, Controller, Param, Post, UseInterceptors } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { AuthUser } from '../auth/auth-user.js';
import { CurrentUser } from '../auth/auth.decorators.js';
import { SessionResponse } from '../sessions/dto/session.response.js';
import { IdempotencyKey } from '../common/idempotency-key.decorator.js';
import { SessionEtagInterceptor } from '../sessions/session-etag.interceptor.js';
import { SessionIdPipe } from '../sessions/session-id.pipe.js';
import type { TaggedSession } from '../sessions/session.mapper.js';
import { ForkSessionDto } from './dto/fork-session.dto.js';
import { HistoryForks } from './history-forks.js';

@ApiTags('sessions')
@ApiBearerAuth()
@Controller('sessions/:id/fork')
export class ForkController {
  constructor(private readonly forks: HistoryForks) {}

  @Post()
  @UseInterceptors(SessionEtagInterceptor)
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'the same key from the same user returns the same session' })
  @ApiCreatedResponse({
    type: SessionResponse,
    description:
      "a new session (status created) whose history is the source's messages 1..atSeq, renumbered 1..n; forkedFrom names the source",
  })
  @ApiBadRequestResponse({ description: "FORK_POINT_OUT_OF_RANGE: atSeq lies after the source's last message" })
  @ApiNotFoundResponse({ description: 'SESSION_NOT_FOUND: no session of yours that is not deleted has this id' })
  @ApiConflictResponse({ description: 'SESSION_KEY_TAKEN: another of your sessions that is not deleted has this key' })
  fork(
    @CurrentUser() user: AuthUser,
    @Param('id', SessionIdPipe) id: string,
    @Body() dto: ForkSessionDto,
    @IdempotencyKey() idempotencyKey: string | undefined,
  ): Promise<TaggedSession> {
    return this.forks.fork(user.id, id, dto, idempotencyKey);
  }
}

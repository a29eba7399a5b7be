import { Body, Controller, Get, Headers, Param, Patch, Post, Query, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../auth/auth-user.js';
import { CurrentUser } from '../auth/auth.decorators.js';
import { CreateSessionDto } from './dto/create-session.dto.js';
import { ListSessionsQuery } from './dto/list-sessions.query.js';
import { SessionPageResponse, SessionResponse } from './dto/session.response.js';
import { UpdateSessionDto } from './dto/update-session.dto.js';
import { IdempotencyKey } from './idempotency-key.decorator.js';
import { SessionEtagInterceptor } from './session-etag.interceptor.js';
import { SessionIdPipe } from './session-id.pipe.js';
import { type TaggedSession, toSessionPage } from './session.mapper.js';
import { SessionsService } from './sessions.service.js';

@ApiTags('sessions')
@ApiBearerAuth()
@Controller('sessions')
export class SessionsController {
  constructor(private readonly sessions: SessionsService) {}

  @Post()
  @UseInterceptors(SessionEtagInterceptor)
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'the same key from the same user returns the same session' })
  @ApiCreatedResponse({ type: SessionResponse })
  create(
    @CurrentUser() user: AuthUser,
    @Body() dto: CreateSessionDto,
    @IdempotencyKey() idempotencyKey: string | undefined,
  ): Promise<TaggedSession> {
    return this.sessions.create(user.id, dto, idempotencyKey);
  }

  @Get()
  @ApiOkResponse({ type: SessionPageResponse })
  async list(@CurrentUser() user: AuthUser, @Query() query: ListSessionsQuery): Promise<SessionPageResponse> {
    return toSessionPage(await this.sessions.list(user.id, query));
  }

  @Get(':id')
  @UseInterceptors(SessionEtagInterceptor)
  @ApiOkResponse({ type: SessionResponse })
  get(@CurrentUser() user: AuthUser, @Param('id', SessionIdPipe) id: string): Promise<TaggedSession> {
    return this.sessions.read(user.id, id);
  }

  @Patch(':id')
  @UseInterceptors(SessionEtagInterceptor)
  @ApiHeader({ name: 'If-Match', required: false, description: 'ETag from a previous read; 412 when stale' })
  @ApiOkResponse({ type: SessionResponse })
  update(
    @CurrentUser() user: AuthUser,
    @Param('id', SessionIdPipe) id: string,
    @Body() dto: UpdateSessionDto,
    @Headers('if-match') ifMatch: string | undefined,
  ): Promise<TaggedSession> {
    return this.sessions.update(user.id, id, dto, ifMatch);
  }
}

import { Body, Controller, Get, Headers, Param, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { AuthUser } from '../auth/auth-user.js';
import { CurrentUser } from '../auth/auth.decorators.js';
import { CreateSessionDto } from './dto/create-session.dto.js';
import { ListSessionsQuery } from './dto/list-sessions.query.js';
import { SessionPageResponse, SessionResponse } from './dto/session.response.js';
import { UpdateSessionDto } from './dto/update-session.dto.js';
import { IdempotencyKey } from './idempotency-key.decorator.js';
import { SessionIdPipe } from './session-id.pipe.js';
import { etagOf, toSessionResponse } from './session.mapper.js';
import { SessionsService } from './sessions.service.js';

@ApiTags('sessions')
@ApiBearerAuth()
@Controller('sessions')
export class SessionsController {
  constructor(private readonly sessions: SessionsService) {}

  @Post()
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'the same key from the same user returns the same session' })
  @ApiCreatedResponse({ type: SessionResponse })
  async create(
    @CurrentUser() user: AuthUser,
    @Body() dto: CreateSessionDto,
    @IdempotencyKey() idempotencyKey: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<SessionResponse> {
    const session = await this.sessions.create(user.id, dto, idempotencyKey);
    reply.header('ETag', etagOf(session));
    return toSessionResponse(session);
  }

  @Get()
  @ApiOkResponse({ type: SessionPageResponse })
  async list(@CurrentUser() user: AuthUser, @Query() query: ListSessionsQuery): Promise<SessionPageResponse> {
    const page = await this.sessions.list(user.id, query);
    return { items: page.items.map(toSessionResponse), nextCursor: page.nextCursor };
  }

  @Get(':id')
  @ApiOkResponse({ type: SessionResponse })
  async get(
    @CurrentUser() user: AuthUser,
    @Param('id', SessionIdPipe) id: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<SessionResponse> {
    const session = await this.sessions.read(user.id, id);
    reply.header('ETag', etagOf(session));
    return toSessionResponse(session);
  }

  @Patch(':id')
  @ApiHeader({ name: 'If-Match', required: false, description: 'ETag from a previous read; 412 when stale' })
  @ApiOkResponse({ type: SessionResponse })
  async update(
    @CurrentUser() user: AuthUser,
    @Param('id', SessionIdPipe) id: string,
    @Body() dto: UpdateSessionDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<SessionResponse> {
    const session = await this.sessions.update(user.id, id, dto, ifMatch);
    reply.header('ETag', etagOf(session));
    return toSessionResponse(session);
  }
}

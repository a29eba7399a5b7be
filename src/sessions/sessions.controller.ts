import { BadRequestException, Body, Controller, Get, Headers, Param, Patch, Post, Put, Query, Res, UseInterceptors } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { AuthUser } from '../auth/auth-user.js';
import { CurrentUser } from '../auth/auth.decorators.js';
import { CreateSessionDto } from './dto/create-session.dto.js';
import { ListSessionsQuery } from './dto/list-sessions.query.js';
import { SessionPageResponse, SessionResponse } from './dto/session.response.js';
import { UpdateSessionDto } from './dto/update-session.dto.js';
import { IdempotencyKey } from '../common/idempotency-key.decorator.js';
import { SessionEtagInterceptor } from './session-etag.interceptor.js';
import { SessionIdPipe } from './session-id.pipe.js';
import { SessionKeyPipe } from './session-key.js';
import { SERVED_FROM_HEADER, SERVED_FROM_OPENAPI } from './served-from.js';
import { type TaggedSession, toSessionPageJson } from './session.mapper.js';
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
  @ApiConflictResponse({ description: 'SESSION_KEY_TAKEN: another of your sessions that is not deleted has this key' })
  create(
    @CurrentUser() user: AuthUser,
    @Body() dto: CreateSessionDto,
    @IdempotencyKey() idempotencyKey: string | undefined,
  ): Promise<TaggedSession> {
    return this.sessions.create(user.id, dto, idempotencyKey);
  }

  // Declared before the `:id` routes; the static `by-key` segment also wins in Fastify's router.
  @Put('by-key/:key')
  @UseInterceptors(SessionEtagInterceptor)
  @ApiParam({ name: 'key', description: 'the session key, URL-encoded' })
  @ApiCreatedResponse({ type: SessionResponse, description: 'no session had this key: created from the body' })
  @ApiOkResponse({ type: SessionResponse, description: 'the existing session with this key (the body is ignored)' })
  async getOrCreateByKey(
    @CurrentUser() user: AuthUser,
    @Param('key', SessionKeyPipe) key: string,
    @Body() dto: CreateSessionDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TaggedSession> {
    if (dto.key !== undefined && dto.key !== key)
      throw new BadRequestException(['key in the body must be absent or equal the key in the path']);
    const { created, ...session } = await this.sessions.getOrCreateByKey(user.id, key, dto);
    reply.status(created ? 201 : 200);
    return session;
  }

  @Get('by-key/:key')
  @UseInterceptors(SessionEtagInterceptor)
  @ApiParam({ name: 'key', description: 'the session key, URL-encoded' })
  @ApiOkResponse({ type: SessionResponse })
  @ApiNotFoundResponse({ description: 'SESSION_NOT_FOUND: no session of yours that is not deleted has this key' })
  getByKey(@CurrentUser() user: AuthUser, @Param('key', SessionKeyPipe) key: string): Promise<TaggedSession> {
    return this.sessions.readByKey(user.id, key);
  }

  @Get()
  @ApiOkResponse({ type: SessionPageResponse, headers: SERVED_FROM_OPENAPI })
  async list(
    @CurrentUser() user: AuthUser,
    @Query() query: ListSessionsQuery,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    // Already JSON (a SessionPageResponse): sent as it is.
    reply.type('application/json; charset=utf-8');
    const page = await this.sessions.list(user.id, query);
    if (page.servedFrom) reply.header(SERVED_FROM_HEADER, page.servedFrom);
    return toSessionPageJson(page);
  }

  @Get(':id')
  @UseInterceptors(SessionEtagInterceptor)
  @ApiOkResponse({ type: SessionResponse, headers: SERVED_FROM_OPENAPI })
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

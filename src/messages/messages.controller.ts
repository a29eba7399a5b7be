import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Post, Put, Query, Res, StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { AuthUser } from '../auth/auth-user.js';
import { CurrentUser } from '../auth/auth.decorators.js';
import { IdempotencyKey } from '../common/idempotency-key.decorator.js';
import { SessionIdPipe } from '../sessions/session-id.pipe.js';
import { SERVED_FROM_HEADER, SERVED_FROM_OPENAPI } from '../sessions/served-from.js';
import { AppendMessagesDto, ReplaceMessagesDto } from './dto/append-messages.dto.js';
import type { JsonText } from '../common/json-text.js';
import { ListMessagesQuery } from './dto/list-messages.query.js';
import { MessageListResponse, MessagePageResponse, MessageResponse } from './dto/message.response.js';
import { HISTORY_ETAG, HistoryIfMatch, HistoryWriteHeaders } from './history-openapi.js';
import { messageListJson, messagePageJson, toMessageResponse } from './message.mapper.js';
import { MessagesService } from './messages.service.js';

// A limit=all reader that takes nothing for this long is let go, with its snapshot and connection.
const STREAM_IDLE_MS = 30_000;

@ApiTags('messages')
@ApiBearerAuth()
@Controller('sessions/:id/messages')
export class MessagesController {
  constructor(private readonly messages: MessagesService) {}

  @Post()
  @HistoryWriteHeaders()
  @ApiCreatedResponse({ type: MessageListResponse, headers: HISTORY_ETAG, description: 'the appended messages with their seqs' })
  async append(
    @CurrentUser() user: AuthUser,
    @Param('id', SessionIdPipe) id: string,
    @Body() dto: AppendMessagesDto,
    @IdempotencyKey() idempotencyKey: string | undefined,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<JsonText | StreamableFile> {
    const { result, etag } = await this.messages.append(user.id, id, dto, { idempotencyKey, ifMatch });
    reply.header('ETag', etag);
    // MessageListResponse, as JSON text (message.mapper.ts).
    return messageListJson(result);
  }

  @Put()
  @HistoryWriteHeaders()
  @ApiOkResponse({ type: MessageListResponse, headers: HISTORY_ETAG, description: 'the new history, with its seqs' })
  async replace(
    @CurrentUser() user: AuthUser,
    @Param('id', SessionIdPipe) id: string,
    @Body() dto: ReplaceMessagesDto,
    @IdempotencyKey() idempotencyKey: string | undefined,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<JsonText | StreamableFile> {
    const { result, etag } = await this.messages.replace(user.id, id, dto, { idempotencyKey, ifMatch });
    reply.header('ETag', etag);
    return messageListJson(result);
  }

  @Get()
  @ApiOkResponse({
    type: MessagePageResponse,
    headers: { ...HISTORY_ETAG, ...SERVED_FROM_OPENAPI },
    description: 'with limit=all, the same shape, streamed (nextBefore null); the ETag is that of the state read',
  })
  async list(
    @CurrentUser() user: AuthUser,
    @Param('id', SessionIdPipe) id: string,
    @Query() query: ListMessagesQuery,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<JsonText | StreamableFile> {
    if (query.limit === 'all') {
      const { etag, stream } = await this.messages.openHistory(user.id, id, query.before);
      reply.header('ETag', etag);
      reply.raw.setTimeout(STREAM_IDLE_MS, () => reply.raw.destroy());
      return new StreamableFile(stream, { type: 'application/json; charset=utf-8' });
    }
    const page = await this.messages.list(user.id, id, query.limit, query.before);
    reply.header('ETag', page.etag);
    if (page.servedFrom) reply.header(SERVED_FROM_HEADER, page.servedFrom);
    // MessagePageResponse, as JSON text: each message's own text is written once (message.mapper.ts).
    return messagePageJson(page.items, page.nextBefore);
  }

  @Delete('last')
  @HistoryIfMatch()
  @ApiOkResponse({ type: MessageResponse, headers: HISTORY_ETAG, description: 'the removed message; 204 when there was none' })
  async popLast(
    @CurrentUser() user: AuthUser,
    @Param('id', SessionIdPipe) id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<MessageResponse | undefined> {
    const { result: removed, etag } = await this.messages.popLast(user.id, id, ifMatch);
    reply.header('ETag', etag);
    if (!removed) reply.status(204);
    return removed ? toMessageResponse(removed) : undefined;
  }

  @Delete()
  @HttpCode(204)
  @HistoryIfMatch()
  @ApiNoContentResponse({ headers: HISTORY_ETAG })
  async clear(
    @CurrentUser() user: AuthUser,
    @Param('id', SessionIdPipe) id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    reply.header('ETag', (await this.messages.clear(user.id, id, ifMatch)).etag);
  }
}

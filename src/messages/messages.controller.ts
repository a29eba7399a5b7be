import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Res, StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { AuthUser } from '../auth/auth-user.js';
import { CurrentUser } from '../auth/auth.decorators.js';
import { SessionIdPipe } from '../sessions/session-id.pipe.js';
import { AppendMessagesDto } from './dto/append-messages.dto.js';
import { ListMessagesQuery } from './dto/list-messages.query.js';
import { MessageListResponse, MessagePageResponse, MessageResponse } from './dto/message.response.js';
import { HistoryJsonStream } from './history-json.stream.js';
import { toMessageResponse } from './message.mapper.js';
import { MessagesService } from './messages.service.js';

// A limit=all reader that takes nothing for this long is let go, with its snapshot and connection.
const STREAM_IDLE_MS = 30_000;

@ApiTags('messages')
@ApiBearerAuth()
@Controller('sessions/:id/messages')
export class MessagesController {
  constructor(private readonly messages: MessagesService) {}

  @Post()
  @ApiCreatedResponse({ type: MessageListResponse })
  async append(
    @CurrentUser() user: AuthUser,
    @Param('id', SessionIdPipe) id: string,
    @Body() dto: AppendMessagesDto,
  ): Promise<MessageListResponse> {
    return { items: (await this.messages.append(user.id, id, dto)).map(toMessageResponse) };
  }

  @Get()
  @ApiOkResponse({ type: MessagePageResponse, description: 'with limit=all, the same shape, streamed (nextBefore null)' })
  async list(
    @CurrentUser() user: AuthUser,
    @Param('id', SessionIdPipe) id: string,
    @Query() query: ListMessagesQuery,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<MessagePageResponse | StreamableFile> {
    if (query.limit === 'all') {
      const snapshot = await this.messages.openHistory(user.id, id, query.before);
      reply.raw.setTimeout(STREAM_IDLE_MS, () => reply.raw.destroy());
      return new StreamableFile(new HistoryJsonStream(snapshot), { type: 'application/json; charset=utf-8' });
    }
    const page = await this.messages.list(user.id, id, query.limit, query.before);
    return { items: page.items.map(toMessageResponse), nextBefore: page.nextBefore };
  }

  @Delete('last')
  @ApiOkResponse({ type: MessageResponse, description: 'the removed message; 204 when there was none' })
  async popLast(
    @CurrentUser() user: AuthUser,
    @Param('id', SessionIdPipe) id: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<MessageResponse | undefined> {
    const removed = await this.messages.popLast(user.id, id);
    if (!removed) reply.status(204);
    return removed ? toMessageResponse(removed) : undefined;
  }

  @Delete()
  @HttpCode(204)
  @ApiNoContentResponse()
  async clear(@CurrentUser() user: AuthUser, @Param('id', SessionIdPipe) id: string): Promise<void> {
    await this.messages.clear(user.id, id);
  }
}

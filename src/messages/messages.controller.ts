import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { AuthUser } from '../auth/auth-user.js';
import { CurrentUser } from '../auth/auth.decorators.js';
import { SessionIdPipe } from '../sessions/session-id.pipe.js';
import { AppendMessagesDto } from './dto/append-messages.dto.js';
import { ListMessagesQuery } from './dto/list-messages.query.js';
import { MessageListResponse, MessagePageResponse, MessageResponse } from './dto/message.response.js';
import { toMessageResponse } from './message.mapper.js';
import { MessagesService } from './messages.service.js';

@ApiTags('messages')
@ApiBearerAuth()
@Controller('sessions/:id/messages')
export class MessagesController {
  constructor(private readonly messages: MessagesService) {}

  @Post()
  @ApiCreatedResponse({ type: MessageListResponse })
  async append(@CurrentUser() user: AuthUser, @Param('id', SessionIdPipe) id: string, @Body() dto: AppendMessagesDto): Promise<MessageListResponse> {
    return { items: (await this.messages.append(user.id, id, dto)).map(toMessageResponse) };
  }

  @Get()
  @ApiOkResponse({ type: MessagePageResponse })
  async list(@CurrentUser() user: AuthUser, @Param('id', SessionIdPipe) id: string, @Query() query: ListMessagesQuery): Promise<MessagePageResponse> {
    const page = await this.messages.list(user.id, id, query);
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

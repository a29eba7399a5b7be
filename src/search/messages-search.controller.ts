import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../auth/auth-user.js';
import { CurrentUser } from '../auth/auth.decorators.js';
import { MessageSearchResponse } from './dto/message-hit.response.js';
import { SearchMessagesQuery } from './dto/search-messages.query.js';
import { MessagesSearchService } from './messages-search.service.js';

@ApiTags('messages')
@ApiBearerAuth()
@Controller('messages/search')
export class MessagesSearchController {
  constructor(private readonly search: MessagesSearchService) {}

  @Get()
  @ApiOkResponse({
    type: MessageSearchResponse,
    description: 'your messages whose text (every string in their content) holds q, newest first',
  })
  @ApiNotFoundResponse({ description: 'SESSION_NOT_FOUND: sessionId names no session of yours that is not deleted' })
  find(@CurrentUser() user: AuthUser, @Query() query: SearchMessagesQuery): Promise<MessageSearchResponse> {
    return this.search.search(user.id, query);
  }
}

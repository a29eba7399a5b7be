import { Module } from '@nestjs/common';
import { SessionsModule } from '../sessions/sessions.module.js';
import { MessagesSearchController } from './messages-search.controller.js';
import { MessagesSearchRepository } from './messages-search.repository.js';
import { MessagesSearchService } from './messages-search.service.js';

/** Search over the caller's transcripts (GET /messages/search); reads only, through its own index. */
@Module({
  imports: [SessionsModule],
  controllers: [MessagesSearchController],
  providers: [MessagesSearchRepository, MessagesSearchService],
})
export class SearchModule {}

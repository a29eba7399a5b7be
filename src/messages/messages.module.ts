import { Module } from '@nestjs/common';
import { SessionsModule } from '../sessions/sessions.module.js';
import { AppendGroups } from './append-groups.js';
import { CappedSessions } from './capped-sessions.js';
import { ForkController } from './fork.controller.js';
import { HistoryForks } from './history-forks.js';
import { HistoryImports } from './history-imports.js';
import { HistoryTailCache } from './history-tail.cache.js';
import { HistoryWrites } from './history-writes.js';
import { MessageAppendsRepository } from './message-appends.repository.js';
import { MessagesController } from './messages.controller.js';
import { MessagesRepository } from './messages.repository.js';
import { MessagesService } from './messages.service.js';

@Module({
  imports: [SessionsModule],
  controllers: [MessagesController, ForkController],
  providers: [
    CappedSessions,
    MessagesRepository,
    MessageAppendsRepository,
    HistoryTailCache,
    AppendGroups,
    HistoryWrites,
    MessagesService,
    HistoryImports,
    HistoryForks,
  ],
  exports: [MessagesService, HistoryImports, HistoryForks, HistoryTailCache],
})
export class MessagesModule {}

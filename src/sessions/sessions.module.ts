import { Module } from '@nestjs/common';
import { SessionCache, SessionCacheStats } from './session.cache.js';
import { SessionEvents } from './session-events.js';
import { SessionOwners } from './session-owners.js';
import { SessionStore } from './session.store.js';
import { SESSION_ROWS, SessionWriter } from './session.writer.js';
import { SessionsController } from './sessions.controller.js';
import { SessionsRepository } from './sessions.repository.js';
import { SessionsService } from './sessions.service.js';

@Module({
  controllers: [SessionsController],
  providers: [
    SessionsRepository,
    // The writer reads rows back through the repository after a lost answer (session.writer.ts).
    { provide: SESSION_ROWS, useExisting: SessionsRepository },
    SessionWriter,
    SessionStore,
    SessionCache,
    SessionCacheStats,
    SessionsService,
    SessionEvents,
    SessionOwners,
  ],
  exports: [SessionsService, SessionStore, SessionCache, SessionCacheStats, SessionEvents, SessionOwners],
})
export class SessionsModule {}

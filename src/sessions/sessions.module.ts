import { Module } from '@nestjs/common';
import { SessionCache } from './session.cache.js';
import { SessionEvents } from './session-events.js';
import { SessionStore } from './session.store.js';
import { SessionWriter } from './session-writer.js';
import { SessionsController } from './sessions.controller.js';
import { SessionsRepository } from './sessions.repository.js';
import { SessionsService } from './sessions.service.js';

@Module({
  controllers: [SessionsController],
  providers: [SessionsRepository, SessionWriter, SessionStore, SessionCache, SessionsService, SessionEvents],
  exports: [SessionsService, SessionStore, SessionCache, SessionEvents],
})
export class SessionsModule {}

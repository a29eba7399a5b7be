import { Module } from '@nestjs/common';
import { SessionCache } from './session.cache.js';
import { SessionLiveCache } from './session-live.cache.js';
import { SessionsController } from './sessions.controller.js';
import { SessionsRepository } from './sessions.repository.js';
import { SessionsService } from './sessions.service.js';

@Module({
  controllers: [SessionsController],
  providers: [SessionsRepository, SessionCache, SessionLiveCache, SessionsService],
  exports: [SessionsService, SessionsRepository, SessionCache, SessionLiveCache],
})
export class SessionsModule {}

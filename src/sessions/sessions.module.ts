import { Module } from '@nestjs/common';
import { SessionCache } from './session.cache.js';
import { SessionWriter } from './session-writer.js';
import { SessionsController } from './sessions.controller.js';
import { SessionsRepository } from './sessions.repository.js';
import { SessionsService } from './sessions.service.js';

@Module({
  controllers: [SessionsController],
  providers: [SessionsRepository, SessionWriter, SessionCache, SessionsService],
  exports: [SessionsService, SessionsRepository, SessionWriter, SessionCache],
})
export class SessionsModule {}

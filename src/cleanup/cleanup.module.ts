import { Module } from '@nestjs/common';
import { MessagesModule } from '../messages/messages.module.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { CleanupController } from './cleanup.controller.js';
import { CleanupBatchRunner } from './cleanup-batch.runner.js';
import { CleanupRepository } from './cleanup.repository.js';
import { CleanupScheduler } from './cleanup.scheduler.js';
import { CleanupService } from './cleanup.service.js';

@Module({
  imports: [SessionsModule, MessagesModule],
  controllers: [CleanupController],
  providers: [CleanupRepository, CleanupBatchRunner, CleanupService, CleanupScheduler],
  exports: [CleanupService],
})
export class CleanupModule {}

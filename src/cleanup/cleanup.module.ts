import { Module } from '@nestjs/common';
import { SessionsModule } from '../sessions/sessions.module.js';
import { CleanupController } from './cleanup.controller.js';
import { CleanupJob } from './cleanup.job.js';
import { CleanupRepository } from './cleanup.repository.js';
import { CleanupScheduler } from './cleanup.scheduler.js';
import { CleanupService } from './cleanup.service.js';

@Module({
  imports: [SessionsModule],
  controllers: [CleanupController],
  providers: [CleanupRepository, CleanupJob, CleanupScheduler, CleanupService],
  exports: [CleanupJob],
})
export class CleanupModule {}

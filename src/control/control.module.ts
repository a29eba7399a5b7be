import { type DynamicModule, Module } from '@nestjs/common';
import { controlConfig } from '../config/app.config.js';
import { MessagesModule } from '../messages/messages.module.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { CancelChannel } from './queue/cancel.channel.js';
import { ControlController } from './control.controller.js';
import { ControlService } from './control.service.js';
import { handlerCatalogProvider, inProcessHandlerProviders } from './handlers/deliberation-handlers.js';
import { DeliberationProcessor } from './handlers/deliberation.processor.js';
import { HandlerCatalog } from './handlers/handler-catalog.js';
import { inProcessQueueProviders, inProcessWorkerProviders } from './queue/in-process.queue.js';
import { LiveProgressCache } from './live-progress/live-progress.cache.js';
import { LiveProgressFlusher } from './live-progress/live-progress.flusher.js';
import { LostWorkerSweeper } from './queue/lost-worker.sweeper.js';
import { ProgressRecorder } from './live-progress/progress.recorder.js';
import { RemoteWorkQueues } from './queue/remote-work.queues.js';
import { RunService } from './run.service.js';
import { WorkQueueModule } from './queue/work-queue.module.js';
import { WorkQueue } from './queue/work.queue.js';

@Module({})
export class ControlModule {
  /**
   * Shaped by configuration when the app is created: the queue only with Redis (or in-process),
   * the worker only where WORKER_ENABLED is not false (an API-only instance still starts, kills
   * and sweeps).
   */
  static forRoot(): DynamicModule {
    const { workQueue, workerEnabled } = controlConfig();
    const withWorker = workQueue !== 'none' && workerEnabled;
    return {
      module: ControlModule,
      imports: [SessionsModule, MessagesModule, ...(workQueue === 'redis' ? [WorkQueueModule] : [])],
      controllers: [ControlController],
      providers: [
        ControlService,
        RunService,
        ProgressRecorder,
        LiveProgressCache,
        WorkQueue,
        CancelChannel,
        LiveProgressFlusher,
        LostWorkerSweeper,
        RemoteWorkQueues,
        handlerCatalogProvider,
        ...(withWorker ? [DeliberationProcessor, ...inProcessHandlerProviders] : []),
        ...(workQueue === 'in-process' ? inProcessQueueProviders : []),
        ...(workQueue === 'in-process' && withWorker ? inProcessWorkerProviders : []),
      ],
      exports: [ControlService, RunService, ProgressRecorder, LiveProgressCache, RemoteWorkQueues, CancelChannel, HandlerCatalog],
    };
  }
}

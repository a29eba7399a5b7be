import { type DynamicModule, Module } from '@nestjs/common';
import { MessagesModule } from '../messages/messages.module.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { LeaseActionsService } from './lease-actions.service.js';
import { LeaseBook } from './lease.book.js';
import { LeaseExpirySweeper } from './lease-expiry.sweeper.js';
import { LeaseKeeper } from './lease.keeper.js';
import { WorkWaits } from './work-waits.js';
import { WorkController } from './work.controller.js';
import { WorkService } from './work.service.js';

/** Remote workers over HTTP (/api/v1/work, worker role): claims, leases, and the sweep of expired leases. */
@Module({})
export class WorkModule {
  /**
   * `control` is the very ControlModule.forRoot() the app imports: Nest tells dynamic modules apart
   * by reference, so a second forRoot() here would start a second control plane (and worker).
   */
  static forRoot(control: DynamicModule): DynamicModule {
    return {
      module: WorkModule,
      imports: [control, SessionsModule, MessagesModule],
      controllers: [WorkController],
      providers: [WorkService, LeaseActionsService, LeaseKeeper, LeaseBook, WorkWaits, LeaseExpirySweeper],
    };
  }
}

import { BadRequestException, Injectable } from '@nestjs/common';
import { InvalidTransitionError } from '../common/domain-error.js';
import { ControlService, SYSTEM_ACTOR } from '../control/control.service.js';
import type { CompleteSessionDto } from '../control/dto/complete-session.dto.js';
import type { RecordProgressDto } from '../control/dto/record-progress.dto.js';
import { ProgressRecorder } from '../control/live-progress/progress.recorder.js';
import type { AppendMessagesDto } from '../messages/dto/append-messages.dto.js';
import type { Message } from '../messages/message.columns.js';
import { MessagesService } from '../messages/messages.service.js';
import type { SessionResponse } from '../sessions/dto/session.response.js';
import { toSessionResponse } from '../sessions/session.mapper.js';
import type { Lease } from './lease.book.js';
import { LeaseKeeper } from './lease.keeper.js';

/**
 * What a remote worker does to its leased session, as the session routes do it, with the lease
 * renewed by every call. `worker` is the caller's `sub`: only the claiming worker's calls act. Once the session left running, each is 409 and changes nothing.
 */
@Injectable()
export class LeaseActionsService {
  constructor(
    private readonly keeper: LeaseKeeper,
    private readonly control: ControlService,
    private readonly recorder: ProgressRecorder,
    private readonly messages: MessagesService,
  ) {}

  async append(worker: string, leaseId: string, dto: AppendMessagesDto): Promise<Message[]> {
    // A worker appends to the run's history; rewriting it is the session owner's call.
    if (dto.replaceFromSeq !== undefined) throw new BadRequestException(['replaceFromSeq is not taken under a work lease']);
    const lease = await this.live(worker, leaseId, 'append messages to');
    return (
      (await this.messages.appendSentWhileRunning(lease.userId, lease.sessionId, dto)) ?? this.keeper.refuse(lease, 'append messages to')
    );
  }

  async progress(worker: string, leaseId: string, dto: RecordProgressDto): Promise<void> {
    const lease = await this.live(worker, leaseId, 'record progress for');
    if (!(await this.recorder.record(lease.sessionId, dto))) await this.keeper.refuse(lease, 'record progress for');
  }

  complete(worker: string, leaseId: string, dto: CompleteSessionDto): Promise<SessionResponse> {
    return this.finish(worker, leaseId, 'complete', (lease) => ({ reason: `the remote handler ${lease.handler} returned`, set: dto }));
  }

  fail(worker: string, leaseId: string, error: string): Promise<SessionResponse> {
    return this.finish(worker, leaseId, 'fail', (lease) => ({ reason: `the remote handler ${lease.handler} failed`, set: { error } }));
  }

  private async live(worker: string, leaseId: string, action: string): Promise<Lease> {
    const lease = await this.keeper.hold(leaseId, worker);
    return lease.state === 'live' ? lease : this.keeper.refuse(lease, action);
  }

  /** The worker's own run ends: like an in-process handler's, by `system`; the lease ends with it. */
  private async finish(
    worker: string,
    leaseId: string,
    action: 'complete' | 'fail',
    change: (lease: Lease) => { reason: string; set: CompleteSessionDto | { error: string } },
  ): Promise<SessionResponse> {
    const lease = await this.live(worker, leaseId, action);
    const moved = await this.control
      .move(lease.sessionId, action, { actor: SYSTEM_ACTOR, ...change(lease) })
      .catch(async (error: unknown) => {
        // Refused because the session left running (a kill won): the lease is over. Anything else (an outage) keeps it.
        if (error instanceof InvalidTransitionError) await this.keeper.release(lease);
        throw error;
      });
    await this.keeper.release(lease, action === 'complete' ? {} : { error: 'the remote handler failed' });
    // Another call of the same worker may wait on a heartbeat: it is told to stop.
    await this.control.stopWork(lease.sessionId);
    return toSessionResponse(moved.session);
  }
}

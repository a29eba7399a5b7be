import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, Optional } from '@nestjs/common';
import type { JobState, Queue } from 'bullmq';
import { OutageLog } from '../../common/log-once.js';
import { FAILED_JOB_AGE_SECONDS } from '../../redis/keys.js';
import type { HandlerChoice } from '../handlers/handler-catalog.js';
import { RemoteWorkQueues } from './remote-work.queues.js';
import type { DeliberationJobData } from './work-job.types.js';

export const DELIBERATION_QUEUE = 'deliberation';
export const DELIBERATE_JOB = 'deliberate';

export type { DeliberationJobData } from './work-job.types.js';

// BullMQ waits for Redis to come back rather than failing; a request must not wait that long.
const QUEUE_TIMEOUT_MS = 3000;
const PROBE_TIMEOUT_MS = 1000;
const QUEUED: ReadonlySet<JobState | 'unknown'> = new Set(['waiting', 'delayed', 'prioritized', 'waiting-children']);

/**
 * The only class that speaks to the BullMQ queues: the in-process workers' queue, and through
 * RemoteWorkQueues the remote handlers' ones. Absent when REDIS_URL is empty: then nothing can be
 * started, and the rest of the control plane still answers.
 */
@Injectable()
export class WorkQueue {
  // One line per outage, not one per reconnect attempt.
  private readonly outage = new OutageLog(new Logger(WorkQueue.name), 'work queue unavailable');

  constructor(
    private readonly remote: RemoteWorkQueues,
    @Optional() @InjectQueue(DELIBERATION_QUEUE) private readonly queue?: Queue,
  ) {
    // At once, not in a lifecycle hook: the queue connects, and may fail, while the app still starts.
    this.queue?.on('error', (error) => this.outage.failed(error));
  }

  get available(): boolean {
    return this.queue !== undefined;
  }

  /** One cheap round trip through BullMQ's own connection: can a job be queued right now? */
  async reachable(): Promise<boolean> {
    if (!this.queue) return false;
    return this.bounded('probe', this.queue.count(), PROBE_TIMEOUT_MS).then(
      () => true,
      () => false,
    );
  }

  /**
   * The job id is the session id: a second add of the same session is a no-op in BullMQ. A remote
   * handler's job goes to that handler's queue, where a remote worker claims it.
   */
  async enqueue(sessionId: string, handler: HandlerChoice): Promise<void> {
    const data: DeliberationJobData = { sessionId, handler: handler.name };
    const queue = handler.remote ? this.remote.queue(handler.name)! : this.queue!;
    await this.bounded(
      'enqueue',
      queue.add(DELIBERATE_JOB, data, {
        jobId: sessionId,
        removeOnComplete: true,
        removeOnFail: { age: FAILED_JOB_AGE_SECONDS },
      }),
    );
    this.outage.recovered();
  }

  /** Removes the session's job if no worker holds it yet; a running one is stopped by its signal. */
  async removeQueued(sessionId: string): Promise<boolean> {
    const [local, remote] = await this.bounded(
      'remove',
      Promise.all([this.queue!.remove(sessionId), this.remote.removeWaiting(sessionId)]),
    );
    return local === 1 || remote;
  }

  async stateOf(sessionId: string): Promise<JobState | 'unknown'> {
    return this.bounded('state', this.queue!.getJobState(sessionId));
  }

  /**
   * Still waiting for a worker, or held under a live lease by a remote one: its session is running
   * on paper but nobody could have lost it.
   */
  async isQueued(sessionId: string): Promise<boolean> {
    return QUEUED.has(await this.stateOf(sessionId)) || (await this.bounded('state', this.remote.isHeld(sessionId)));
  }

  private async bounded<T>(operation: string, work: Promise<T>, timeoutMs = QUEUE_TIMEOUT_MS): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`work queue ${operation} timed out after ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([work, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

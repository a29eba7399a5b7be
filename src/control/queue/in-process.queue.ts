import { getQueueToken } from '@nestjs/bullmq';
import { Injectable, Logger, type Provider } from '@nestjs/common';
import type { JobState } from 'bullmq';
import { EventEmitter } from 'node:events';
import { DeliberationProcessor } from '../handlers/deliberation.processor.js';
import { DELIBERATION_QUEUE, type DeliberationJobData } from './work.queue.js';

interface InProcessJob {
  readonly id: string;
  readonly name: string;
  readonly data: DeliberationJobData;
  readonly abort: AbortController;
  active: boolean;
}

type Process = (job: InProcessJob, token: undefined, signal: AbortSignal) => Promise<unknown>;

/**
 * WORK_QUEUE=in-process (a first run without Redis): the part of BullMQ's Queue and Worker we use,
 * in memory, under the same token, so runs take the same code path. Jobs die with the process
 * (docs/operations.md, "Services and the first run").
 */
@Injectable()
export class InProcessQueue extends EventEmitter {
  private readonly logger = new Logger('InProcessQueue');
  private readonly jobs = new Map<string, InProcessJob>();
  private readonly waiting: string[] = [];
  private running = 0;
  private started = false;
  private closing = false;
  private drained?: () => void;
  private process?: Process;
  concurrency = 1;

  /** Becomes the processor's worker, as BullMQ's explorer does for a @Processor with Redis. */
  attach(processor: DeliberationProcessor): void {
    (processor as unknown as { _worker: InProcessQueue })._worker = this;
    this.process = processor.process.bind(processor) as unknown as Process;
  }

  // The Queue side (WorkQueue).
  add(name: string, data: DeliberationJobData, options: { jobId: string }): Promise<void> {
    // As BullMQ: a job id already present is a no-op.
    if (!this.jobs.has(options.jobId)) {
      this.jobs.set(options.jobId, { id: options.jobId, name, data, abort: new AbortController(), active: false });
      this.waiting.push(options.jobId);
      this.pump();
    }
    return Promise.resolve();
  }

  remove(id: string): Promise<number> {
    const index = this.waiting.indexOf(id);
    if (index < 0) return Promise.resolve(0); // unknown, or held by the worker: stopped by its signal instead
    this.waiting.splice(index, 1);
    this.jobs.delete(id);
    return Promise.resolve(1);
  }

  getJobState(id: string): Promise<JobState | 'unknown'> {
    const job = this.jobs.get(id);
    return Promise.resolve(job ? (job.active ? 'active' : 'waiting') : 'unknown');
  }

  /** Drops every waiting job (tests clean up with it, as with BullMQ's). */
  obliterate(): Promise<void> {
    for (const id of this.waiting.splice(0)) this.jobs.delete(id);
    return Promise.resolve();
  }

  count(): Promise<number> {
    return Promise.resolve(this.waiting.length);
  }

  // The Worker side (DeliberationProcessor).
  run(): Promise<void> {
    this.started = true;
    this.pump();
    return Promise.resolve();
  }

  cancelJob(id: string, reason: string): void {
    const job = this.jobs.get(id);
    if (job?.active) job.abort.abort(reason);
  }

  /** Takes no new job; resolves once the runs in progress ended (at once when `force`). */
  close(force = false): Promise<void> {
    this.closing = true;
    if (force || this.running === 0) return Promise.resolve();
    return new Promise((resolve) => (this.drained = resolve));
  }

  disconnect(): Promise<void> {
    return Promise.resolve();
  }

  private pump(): void {
    while (this.process && this.started && !this.closing && this.running < this.concurrency && this.waiting.length) {
      const job = this.jobs.get(this.waiting.shift()!)!;
      job.active = true;
      this.running++;
      this.emit('active', job);
      void this.process(job, undefined, job.abort.signal)
        .catch((error: Error) => this.logger.error(`run of ${job.id} failed: ${error.message}`))
        .finally(() => {
          this.jobs.delete(job.id);
          this.running--;
          if (this.running === 0) this.drained?.();
          this.pump();
        });
    }
  }
}

const IN_PROCESS_WORKER = Symbol('IN_PROCESS_WORKER');

export const inProcessQueueProviders: Provider[] = [
  InProcessQueue,
  { provide: getQueueToken(DELIBERATION_QUEUE), useExisting: InProcessQueue },
];

/** Where this instance runs a worker (WORKER_ENABLED), the queue is its worker. */
export const inProcessWorkerProviders: Provider[] = [
  // Apart from the queue: the processor depends (through ControlService) on the queue, so the
  // queue cannot depend on it. Constructors all run before onModuleInit, where the processor
  // first reaches for its worker.
  {
    provide: IN_PROCESS_WORKER,
    inject: [InProcessQueue, DeliberationProcessor],
    useFactory: (queue: InProcessQueue, processor: DeliberationProcessor) => queue.attach(processor),
  },
];

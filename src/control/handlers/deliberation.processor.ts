import { Processor, WorkerHost } from '@nestjs/bullmq';
import { WORKER_RUN_RETRY_MS } from '../../redis/redis-client.js';
import {
  type BeforeApplicationShutdown,
  Inject,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import type { Job } from 'bullmq';
import { setTimeout as sleep } from 'node:timers/promises';
import { OutageLog } from '../../common/log-once.js';
import { controlConfig } from '../../config/app.config.js';
import { staleTiming } from '../../config/stale-timing.js';
import { MessagesService } from '../../messages/messages.service.js';
import { MetricsService } from '../../metrics/metrics.service.js';
import type { Session } from '../../sessions/session.columns.js';
import { toSessionResponse } from '../../sessions/session.mapper.js';
import { CancelChannel } from '../queue/cancel.channel.js';
import { RunService } from '../run.service.js';
import { DELIBERATION_QUEUE, type DeliberationJobData } from '../queue/work.queue.js';
import { type DeliberationContext, WorkStoppedError } from './deliberation-handler.js';
import { IN_PROCESS_HANDLERS, type InProcessHandlers } from './deliberation-handlers.js';
import { HandlerCatalog } from './handler-catalog.js';

// Shutdown must finish within 10 s (main.ts): 6 s for runs to finish leaves the rest of the close room on a
// loaded machine; what has not finished by then is failed as lost elsewhere.
const DRAIN_LIMIT_MS = 6000;

type Json = Record<string, unknown>;
/**
 * The worker: runs a session's deliberation handler for each job. Not started automatically:
 * onApplicationBootstrap applies WORKER_CONCURRENCY first. maxStalledCount 0 because a run is
 * never repeated: when its worker dies the session fails (see LostWorkerSweeper), it is not rerun.
 */
@Processor(DELIBERATION_QUEUE, { autorun: false, maxStalledCount: 0, runRetryDelay: WORKER_RUN_RETRY_MS })
export class DeliberationProcessor
  extends WorkerHost
  implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  private readonly logger = new Logger(DeliberationProcessor.name);
  private readonly running = new Set<string>();
  private heartbeatTimer?: NodeJS.Timeout;
  private readonly jobs: ReturnType<MetricsService['counter']>;

  constructor(
    private readonly runs: RunService,
    private readonly messages: MessagesService,
    private readonly cancel: CancelChannel,
    @Inject(IN_PROCESS_HANDLERS) private readonly handlers: InProcessHandlers,
    private readonly catalog: HandlerCatalog,
    @Inject(controlConfig.KEY) private readonly config: ConfigType<typeof controlConfig>,
    metrics: MetricsService,
  ) {
    super();
    this.jobs = metrics.counter('worker_jobs_total', 'Deliberation jobs this worker finished, by outcome', ['outcome']);
  }

  // BullModule creates the worker in its own onModuleInit, which runs before this module's.
  onModuleInit(): void {
    const outage = new OutageLog(this.logger, 'worker');
    this.worker.on('error', (error) => outage.failed(error));
    this.worker.on('active', () => outage.recovered());
  }

  onApplicationBootstrap(): void {
    this.worker.concurrency = this.config.workerConcurrency;
    // BullMQ's own cancellation: the job's AbortSignal fires on whichever instance holds it.
    this.cancel.listen((sessionId) => this.worker.cancelJob(sessionId, 'the session left running'));
    this.heartbeatTimer = setInterval(() => void this.beat(), staleTiming(this.config.staleAfterSeconds).heartbeatMs);
    this.heartbeatTimer.unref();
    this.worker.run().catch((error: Error) => this.logger.error(`worker stopped: ${error.message}`));
  }

  /**
   * Lets runs in progress finish (heartbeats still going) before the pools close. An idle worker
   * closes at once: BullMQ's graceful close also waits on Redis, which in an outage is forever.
   */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.running.size) this.logger.log(`waiting up to ${DRAIN_LIMIT_MS} ms for ${this.running.size} runs in progress`);
    const closing = this.worker.close(this.running.size === 0);
    const closed = await Promise.race([closing.then(() => true), sleep(DRAIN_LIMIT_MS, undefined, { ref: false }).then(() => false)]);
    if (!closed) {
      this.logger.warn(`runs still in progress after ${DRAIN_LIMIT_MS} ms: left to the lost-worker sweep`);
      // Not awaited: against an unreachable Redis it never settles either.
      void this.worker.disconnect().catch(() => undefined);
    }
  }

  onApplicationShutdown(): void {
    clearInterval(this.heartbeatTimer);
  }

  // Three parameters: BullMQ passes the AbortSignal only to processors that declare it.
  async process(job: Job<DeliberationJobData>, _token?: string, signal?: AbortSignal): Promise<string> {
    const outcome = await this.runJob(job, signal);
    this.jobs.inc({ outcome: outcome.split(':')[0] });
    return outcome;
  }

  private async runJob(job: Job<DeliberationJobData>, signal?: AbortSignal): Promise<string> {
    const id = job.data.sessionId;
    // Jobs queued before handlers were named run the default.
    const handler = this.handlers.get(job.data.handler ?? this.catalog.defaultName);
    const session = await this.runs.claim(id);
    if (!session) return 'skipped: no longer running';
    if (!handler) {
      // Started on an instance configured with a handler this worker lacks: a deployment mismatch, said plainly.
      await this.runs.finishRun(id, { error: `handler ${job.data.handler} is not registered on the worker that took the job` });
      return 'threw';
    }
    const stop = signal ?? new AbortController().signal;
    this.running.add(id);
    try {
      const result = await handler.run(this.contextFor(session, stop));
      if (stop.aborted) return 'stopped';
      await this.runs.finishRun(id, { result });
      return 'returned';
    } catch (error) {
      if (stop.aborted || error instanceof WorkStoppedError) return 'stopped';
      await this.runs.finishRun(id, { error: (error as Error)?.message || String(error) });
      return 'threw';
    } finally {
      this.running.delete(id);
    }
  }

  private contextFor(session: Session, signal: AbortSignal): DeliberationContext {
    const id = session.id;
    // Every call checks twice: the signal (fast), then the guarded write (authoritative after a kill).
    const stopped = () => {
      this.worker.cancelJob(id, 'the session left running');
      return new WorkStoppedError(id);
    };
    return {
      // Handlers get JS values; the exact texts are for answers.
      session: { ...toSessionResponse(session), context: session.context.parse() as Json, metadata: session.metadata.parse() as Json },
      signal,
      progress: async (report) => {
        if (signal.aborted) throw new WorkStoppedError(id);
        if (!(await this.runs.record(id, report))) throw stopped();
      },
      appendMessages: async (items) => {
        if (signal.aborted) throw new WorkStoppedError(id);
        const written = await this.messages.appendWhileRunning(session.userId, id, items);
        if (!written) throw stopped();
      },
    };
  }

  /** Vouches for the runs in progress; a run whose session left running is stopped (a missed cancel). */
  private async beat(): Promise<void> {
    const ids = [...this.running];
    if (!ids.length) return;
    try {
      const alive = new Set(await this.runs.heartbeat(ids));
      for (const id of ids) if (!alive.has(id)) this.worker.cancelJob(id, 'the session left running');
    } catch (error) {
      this.logger.warn(`heartbeat failed: ${(error as Error).message}`);
    }
  }
}

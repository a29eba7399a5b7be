import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { Job, Queue, Worker } from 'bullmq';
import { queueConnection, type RedisClient } from '../../redis/redis-client.js';
import { redisTarget } from '../../redis/redis-target.js';
import { WorkQueueUnavailableError } from '../../common/domain-error.js';
import { OutageLog } from '../../common/log-once.js';
import { controlConfig, redisConfig } from '../../config/app.config.js';
import { RedisKeys } from '../../redis/keys.js';
import { REDIS_CLIENT } from '../../redis/redis.constants.js';
import type { DeliberationJobData } from './work-job.types.js';

/** Lets a job go whatever lock it holds (BullMQ skips the lock check for this token). */
const ANY_TOKEN = '0';
// BullMQ waits for Redis to come back rather than failing; a worker's request must not wait that long.
const QUEUE_TIMEOUT_MS = 3000;

/** BullMQ's queue for one remote handler: `work-<name>`, beside the in-process queue under the same prefix. */
export const remoteQueueName = (handler: string): string => `work-${handler}`;

/**
 * The queues of the remote handlers (REMOTE_HANDLERS), one per handler so that a worker claims
 * only the handlers it names, processed by hand: a Worker without a processor takes a job with
 * getNextJob(leaseId), so the lease id is BullMQ's lock token, and extendLock/moveToCompleted/
 * moveToFailed all refuse a token that is not the lock's. moveToActive is one atomic script, so two
 * claims on any instances never get the same job. No stalled check runs: a job is never retried
 * (its lease's expiry fails the session, see LeaseExpirySweeper).
 */
@Injectable()
export class RemoteWorkQueues implements OnApplicationShutdown {
  private readonly logger = new Logger(RemoteWorkQueues.name);
  private readonly handlers = new Map<string, { queue: Queue<DeliberationJobData>; worker: Worker<DeliberationJobData> }>();
  private readonly leaseMs: number;

  constructor(
    @Inject(controlConfig.KEY) config: ConfigType<typeof controlConfig>,
    @Inject(redisConfig.KEY) redis: ConfigType<typeof redisConfig>,
    @Inject(REDIS_CLIENT) private readonly client: RedisClient | null,
    keys: RedisKeys,
  ) {
    this.leaseMs = config.leaseSeconds * 1000;
    if (!redis.url) return;
    const options = { connection: queueConnection(redisTarget(redis.url, redis.cluster)), prefix: keys.queuePrefix };
    for (const name of config.remoteHandlers) {
      const outage = new OutageLog(this.logger, `remote work queue ${name} unavailable`);
      const queue = new Queue<DeliberationJobData>(remoteQueueName(name), options);
      const worker = new Worker<DeliberationJobData>(remoteQueueName(name), null, {
        ...options,
        autorun: false,
        lockDuration: this.leaseMs,
      });
      queue.on('error', (error: Error) => outage.failed(error));
      worker.on('error', (error: Error) => outage.failed(error));
      this.handlers.set(name, { queue, worker });
    }
  }

  queue(handler: string): Queue<DeliberationJobData> | undefined {
    return this.handlers.get(handler)?.queue;
  }

  get names(): string[] {
    return [...this.handlers.keys()];
  }

  /** The next waiting job of the handler, now locked by `leaseId` for one lease; undefined when none waits. */
  async take(handler: string, leaseId: string): Promise<Job<DeliberationJobData> | undefined> {
    return (await bounded(this.handlers.get(handler)?.worker.getNextJob(leaseId, { block: false }))) ?? undefined;
  }

  /** Renews the job's lock for `ms`; false when the lock is not this lease's any more. */
  async extend(handler: string, sessionId: string, leaseId: string, ms: number): Promise<boolean> {
    const job = await bounded(this.job(handler, sessionId));
    return job ? (await bounded(job.extendLock(leaseId, ms))) === 1 : false;
  }

  /** The job leaves active (completed, or failed with `error`); `leaseId` undefined lets it go whatever holds it. */
  async finish(handler: string, sessionId: string, outcome: { error?: string }, leaseId = ANY_TOKEN): Promise<void> {
    const job = await bounded(this.job(handler, sessionId));
    if (!job || !(await bounded(job.isActive()))) return;
    if (outcome.error === undefined) await bounded(job.moveToCompleted('done', leaseId, false));
    else await bounded(job.moveToFailed(new Error(outcome.error), leaseId, false));
  }

  /** The job goes back to the head of its queue, its lock released: the claim that took it was never answered. */
  async giveBack(handler: string, sessionId: string, leaseId: string): Promise<void> {
    const job = await bounded(this.job(handler, sessionId));
    if (job) await bounded(job.moveToWait(leaseId));
  }

  /** Removes the session's job where it still waits for a worker; a claimed one is stopped through its lease. */
  async removeWaiting(sessionId: string): Promise<boolean> {
    const removed = await Promise.all([...this.handlers.values()].map(({ queue }) => queue.remove(sessionId)));
    return removed.some((count) => count === 1);
  }

  /**
   * Nobody lost the session: its job waits for a worker, or a worker holds its lock (a live lease;
   * when the lease runs out, the lock goes with it).
   */
  async isHeld(sessionId: string): Promise<boolean> {
    for (const { queue } of this.handlers.values()) {
      const state = await queue.getJobState(sessionId);
      if (state === 'waiting' || state === 'prioritized' || state === 'delayed') return true;
      if (state === 'active') return (await this.client?.exists(queue.toKey(`${sessionId}:lock`))) === 1;
    }
    return false;
  }

  /** Bounded: against an unreachable Redis BullMQ's close never settles, and shutdown has 10 s in all. */
  async onApplicationShutdown(): Promise<void> {
    const closing = [...this.handlers.values()].map(({ queue, worker }) => Promise.all([worker.close(true), queue.close()]));
    await bounded(Promise.all(closing)).catch(() => {
      for (const { queue, worker } of this.handlers.values())
        void Promise.all([worker.disconnect(), queue.disconnect()]).catch(() => undefined);
    });
  }

  private async job(handler: string, sessionId: string): Promise<Job<DeliberationJobData> | undefined> {
    const queue = this.handlers.get(handler)?.queue;
    return queue ? Job.fromId<DeliberationJobData>(queue, sessionId) : undefined;
  }
}

/** The queue's answer, or 503 WORK_QUEUE_UNAVAILABLE after QUEUE_TIMEOUT_MS or on a Redis error. */
async function bounded<T>(work: Promise<T> | undefined): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${QUEUE_TIMEOUT_MS} ms`)), QUEUE_TIMEOUT_MS);
  });
  try {
    return await Promise.race([work, timeout]);
  } catch (error) {
    throw new WorkQueueUnavailableError(`the work queue (Redis) cannot be reached: ${(error as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
}

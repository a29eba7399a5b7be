import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { Queue } from 'bullmq';
import { stringifyExact } from '../common/json-text.js';
import { OutageLog } from '../common/log-once.js';
import { webhooksConfig } from '../config/app.config.js';
import { FAILED_JOB_AGE_SECONDS, RedisKeys, WEBHOOK_QUEUE } from '../redis/keys.js';
import { queueConnection } from '../redis/redis-client.js';
import { redisTarget } from '../redis/redis-target.js';
import type { SessionEvent, SessionEventSink } from '../sessions/session-events.js';
import { toSessionResponse } from '../sessions/session.mapper.js';
import { RUN_OUTCOMES } from '../sessions/session-status.js';
import { stringifyStrict } from './strict-json.js';
import { WEBHOOK_ATTEMPTS } from './webhook-schedule.js';

export const DELIVER_JOB = 'deliver';
export const WEBHOOK_BACKOFF = 'webhook';

/** What one delivery sends, fixed when the session ended: the same id and body on every retry. */
export interface WebhookJob {
  webhookId: string;
  body: string;
}

// BullMQ waits for Redis to come back rather than failing; a write's answer must not wait that long.
const ADD_TIMEOUT_MS = 1000;
const RETRY_MS = 2000;

/**
 * Turns every committed arrival at a run's outcome (completed, failed or killed) into a delivery job (its id is the
 * webhook id, so adding it twice is a no-op). While Redis is away the jobs wait here and are added
 * when it is back (an instance that dies meanwhile loses them: the audit trail still has the change).
 */
@Injectable()
export class WebhookOutbox implements SessionEventSink, OnApplicationShutdown {
  private readonly outage = new OutageLog(new Logger(WebhookOutbox.name), 'webhooks wait for Redis', 'webhooks reach Redis again');
  private readonly queue: Queue<WebhookJob>;
  private readonly waiting = new Map<string, WebhookJob>();
  private timer: NodeJS.Timeout | null = null;
  private readonly stringify: (value: unknown) => string;

  constructor(@Inject(webhooksConfig.KEY) config: ConfigType<typeof webhooksConfig>, keys: RedisKeys) {
    // stringifyExact: context and metadata go out as the client sent them, as in every answer;
    // WEBHOOK_STRICT_JSON trades that for what strict parsers accept (strict-json.ts).
    this.stringify = config.strictJson ? stringifyStrict : stringifyExact;
    this.queue = new Queue<WebhookJob>(WEBHOOK_QUEUE, {
      connection: queueConnection(redisTarget(config.redisUrl, config.redisCluster)),
      prefix: keys.queuePrefix,
    });
    this.queue.on('error', (error) => this.outage.failed(error));
  }

  async publish(events: SessionEvent[]): Promise<void> {
    for (const event of events) {
      if (event.type !== 'session.status' || !RUN_OUTCOMES.includes(event.to)) continue;
      const webhookId = `msg_${event.session.id}_${event.to}`;
      // A DELETE of a running session ends it as killed and deletes it in one statement: the body says killed.
      const body = this.stringify({ ...toSessionResponse(event.session), status: event.to });
      this.waiting.set(webhookId, { webhookId, body });
    }
    // Behind others that wait for Redis: answer at once, the retry takes them all in order.
    if (!this.timer) await this.flush();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    await this.queue.close();
  }

  private async flush(): Promise<void> {
    this.timer = null;
    for (const [webhookId, job] of this.waiting) {
      try {
        await this.add(job);
        this.waiting.delete(webhookId);
        this.outage.recovered();
      } catch (error) {
        this.outage.failed(error);
        this.timer = setTimeout(() => void this.flush(), RETRY_MS);
        this.timer.unref();
        return;
      }
    }
  }

  private async add(job: WebhookJob): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`webhook queue add timed out after ${ADD_TIMEOUT_MS} ms`)), ADD_TIMEOUT_MS);
    });
    const added = this.queue.add(DELIVER_JOB, job, {
      jobId: job.webhookId,
      attempts: WEBHOOK_ATTEMPTS,
      backoff: { type: WEBHOOK_BACKOFF },
      removeOnComplete: true,
      removeOnFail: { age: FAILED_JOB_AGE_SECONDS },
    });
    try {
      await Promise.race([added, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

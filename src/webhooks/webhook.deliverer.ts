import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { type Job, Worker } from 'bullmq';
import { OutageLog } from '../common/log-once.js';
import { webhooksConfig } from '../config/app.config.js';
import { RedisKeys, WEBHOOK_QUEUE } from '../redis/keys.js';
import { queueConnection, WORKER_RUN_RETRY_MS } from '../redis/redis-client.js';
import { redisTarget } from '../redis/redis-target.js';
import { webhookRetryDelayMs } from './webhook-schedule.js';
import { webhookHeaders } from './webhook-signature.js';
import type { WebhookJob } from './webhook.outbox.js';

const CONCURRENCY = 8;
// A receiver that takes longer is tried again later, like one that answered 5xx.
const ATTEMPT_TIMEOUT_MS = 10_000;

/**
 * POSTs the queued webhooks: each attempt signed afresh (a new timestamp, the same webhook id);
 * anything but a 2xx fails the attempt, and BullMQ retries on webhook-schedule.ts's schedule.
 */
@Injectable()
export class WebhookDeliverer implements OnApplicationShutdown {
  private readonly logger = new Logger(WebhookDeliverer.name);
  private readonly outage = new OutageLog(this.logger, 'webhook deliveries wait for Redis', 'webhook deliveries go on');
  private readonly worker: Worker<WebhookJob>;

  constructor(
    @Inject(webhooksConfig.KEY) private readonly config: ConfigType<typeof webhooksConfig>,
    keys: RedisKeys,
  ) {
    this.worker = new Worker<WebhookJob>(WEBHOOK_QUEUE, (job) => this.deliver(job), {
      connection: queueConnection(redisTarget(config.redisUrl, config.redisCluster), { maxRetriesPerRequest: null }),
      prefix: keys.queuePrefix,
      concurrency: CONCURRENCY,
      runRetryDelay: WORKER_RUN_RETRY_MS,
      settings: { backoffStrategy: (attemptsMade) => webhookRetryDelayMs(attemptsMade) },
    });
    this.worker.on('error', (error) => this.outage.failed(error));
    this.worker.on('failed', (job, error) => {
      if (job && job.attemptsMade >= (job.opts.attempts ?? 1)) this.logger.error(`webhook ${job.id} given up: ${error.message}`);
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.worker.close();
  }

  private async deliver(job: Job<WebhookJob>): Promise<void> {
    const { webhookId, body } = job.data;
    const response = await fetch(this.config.url, {
      method: 'POST',
      headers: webhookHeaders(this.config.secret, webhookId, body),
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
    });
    await response.body?.cancel();
    this.outage.recovered();
    if (response.status < 200 || response.status > 299) throw new Error(`the receiver answered ${response.status}`);
  }
}

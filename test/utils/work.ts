import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { apiAs, type Api } from '../factories/api.factory.js';
import { newUser } from '../factories/token.factory.js';
import { queueOf } from './control.js';
import { remoteQueueName } from '../../src/control/queue/remote-work.queues.js';
import { Queue } from 'bullmq';

/** A remote worker's client: a token with the worker role. */
export function workerApi(app: NestFastifyApplication): Api {
  return apiAs(app, newUser('worker'), ['worker']);
}

/** Removes the in-process queue and each remote handler's queue (BullMQ's keys have no TTL). */
export async function removeQueues(app: NestFastifyApplication, handlers: string[]): Promise<void> {
  const main = queueOf(app);
  await main.obliterate({ force: true });
  for (const handler of handlers) {
    const queue = new Queue(remoteQueueName(handler), { connection: { url: process.env.REDIS_URL! }, prefix: main.opts.prefix });
    await queue.obliterate({ force: true });
    await queue.close();
  }
}

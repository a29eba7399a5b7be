import { getQueueToken } from '@nestjs/bullmq';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { DELIBERATION_QUEUE } from '../../src/control/queue/work.queue.js';
import type { Api } from '../factories/api.factory.js';
import { waitFor } from './wait-for.js';

/**
 * Environment for apps and worker processes of one test: a key prefix of their own, so no other
 * test file's workers (same Redis database) take their jobs or flush their progress.
 */
export function controlEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return { CONTROL_KEY_PREFIX: `test-${randomUUID().slice(0, 8)}`, DELIBERATION_STEP_MS: '20', ...overrides };
}

export function queueOf(app: NestFastifyApplication): Queue {
  return app.get<Queue>(getQueueToken(DELIBERATION_QUEUE), { strict: false });
}

/** BullMQ's keys have no TTL: a test removes its queue when done. */
export async function removeQueue(app: NestFastifyApplication): Promise<void> {
  await queueOf(app).obliterate({ force: true });
}

export function sessionIn(api: Api, id: string, done: (session: Record<string, any>) => boolean, what: string, timeoutMs = 15_000) {
  return waitFor(async () => (await api.get(`/sessions/${id}`)).body, done, { timeoutMs, what });
}

export async function transitionsOf(api: Api, id: string): Promise<Array<Record<string, any>>> {
  return (await api.get(`/sessions/${id}/transitions`).expect(200)).body.items;
}

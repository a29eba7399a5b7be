import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { apiAs, createSession } from './factories/api.factory.js';
import { newUser } from './factories/token.factory.js';
import { controlEnv, removeQueue } from './utils/control.js';
import { useTestApp } from './utils/use-test-app.js';
import { waitFor } from './utils/wait-for.js';

interface Delivery {
  headers: http.IncomingHttpHeaders;
  body: string;
  answered: number;
}

/** A receiver like a client's: records each POST, and answers 500 to the first attempt of each webhook id. */
class Receiver {
  readonly deliveries: Delivery[] = [];
  private readonly server = http.createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      const id = request.headers['webhook-id'];
      const answered = this.deliveries.some((delivery) => delivery.headers['webhook-id'] === id) ? 200 : 500;
      this.deliveries.push({ headers: request.headers, body, answered });
      response.writeHead(answered, { connection: 'close' }).end();
    });
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
  }

  of(sessionId: string): Delivery[] {
    return this.deliveries.filter((delivery) => (JSON.parse(delivery.body) as { id: string }).id === sessionId);
  }

  close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    return closed;
  }
}

describe('webhooks (Standard Webhooks, retried by the queue)', () => {
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  const receiver = new Receiver();
  const app = useTestApp(
    async () => controlEnv({ WEBHOOK_URL: await receiver.start(), WEBHOOK_SECRET: secret, DELIBERATION_STEP_MS: '600000' }),
    { beforeClose: removeQueue, afterClose: () => receiver.close() },
  );

  function verified(delivery: Delivery): Record<string, unknown> {
    // An independent implementation of the specification checks the signature and the timestamp.
    return new Webhook(secret).verify(delivery.body, delivery.headers as Record<string, string>) as Record<string, unknown>;
  }

  // A retry waits for the queue's backoff (5 s, then doubling): bounds for a loaded machine, not timing checks.
  it('POSTs a completed session signed, retries the 500 with the same webhook-id until the 200', async () => {
    const api = apiAs(app, newUser());
    const session = await createSession(api, { title: 'hooked' });
    await api.post(`/sessions/${session.id}/start`).expect(202);
    const completed = (await api.post(`/sessions/${session.id}/complete`, { synthesisText: 'done' }).expect(200)).body;

    const deliveries = await waitFor(
      async () => receiver.of(session.id),
      (found) => found.some((delivery) => delivery.answered === 200),
      { timeoutMs: 90_000, what: 'a delivery answered 200' },
    );
    expect(deliveries.map((delivery) => delivery.answered)).toEqual([500, 200]);
    expect(new Set(deliveries.map((delivery) => delivery.headers['webhook-id'])).size).toBe(1);
    for (const delivery of deliveries) {
      expect(delivery.headers['content-type']).toBe('application/json');
      expect(delivery.headers['webhook-signature']).toMatch(/^v1,/);
      expect(verified(delivery)).toEqual({ ...completed, status: 'completed', synthesisText: 'done' });
    }
  }, 300_000);

  it('tells failed and killed sessions too (a running session deleted: killed), and not a session that never ran', async () => {
    const api = apiAs(app, newUser());
    const [failed, killed, deletedRunning, neverRan] = await Promise.all([1, 2, 3, 4].map(() => createSession(api)));
    await api.delete(`/sessions/${neverRan.id}`).expect(204);
    await api.post(`/sessions/${failed.id}/start`).expect(202);
    await api.post(`/sessions/${failed.id}/fail`, { error: 'boom' }).expect(200);
    await api.post(`/sessions/${killed.id}/kill`, { reason: 'stop' }).expect(202);
    await api.post(`/sessions/${deletedRunning.id}/start`).expect(202);
    await api.delete(`/sessions/${deletedRunning.id}`).expect(204);

    const expected = { [failed.id]: 'failed', [killed.id]: 'killed', [deletedRunning.id]: 'killed' };
    for (const [id, status] of Object.entries(expected)) {
      const deliveries = await waitFor(
        async () => receiver.of(id),
        (found) => found.some((delivery) => delivery.answered === 200),
        { timeoutMs: 90_000, what: `the ${status} delivery of ${id}` },
      );
      expect(deliveries.map((delivery) => verified(delivery).status)).toEqual([status, status]);
      expect(new Set(deliveries.map((delivery) => delivery.headers['webhook-id'])).size).toBe(1);
    }
    expect(receiver.of(neverRan.id)).toEqual([]);
    expect(verified(receiver.of(failed.id)[0])).toMatchObject({ error: 'boom' });
  }, 300_000);
});

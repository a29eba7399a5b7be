import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { Webhook } from 'standardwebhooks';
import { API, apiAs } from './factories/api.factory.js';
import { newUser, tokenFor } from './factories/token.factory.js';
import { controlEnv, removeQueue } from './utils/control.js';
import { useTestApp } from './utils/use-test-app.js';
import { waitFor } from './utils/wait-for.js';

/** What a strict parser (serde_json, say) refuses: a lone surrogate in a key or a string, a number beyond a double. */
function refusedByStrictParsers(body: string): boolean {
  let refused = false;
  JSON.parse(body, (key, value: unknown) => {
    if (/\p{Cs}/u.test(key) || (typeof value === 'string' && /\p{Cs}/u.test(value))) refused = true;
    if (typeof value === 'number' && !Number.isFinite(value)) refused = true;
    return value;
  });
  return refused;
}

/** A receiver with a strict JSON parser: 400 to what it cannot read (the service would retry that for 24 h), 200 otherwise. */
class StrictReceiver {
  readonly deliveries: Array<{ headers: http.IncomingHttpHeaders; body: string; answered: number }> = [];
  private readonly server = http.createServer((incoming, response) => {
    let body = '';
    incoming.setEncoding('utf8');
    incoming.on('data', (chunk: string) => (body += chunk));
    incoming.on('end', () => {
      const answered = refusedByStrictParsers(body) ? 400 : 200;
      this.deliveries.push({ headers: incoming.headers, body, answered });
      response.writeHead(answered, { connection: 'close' }).end();
    });
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
  }

  close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    return closed;
  }
}

describe('webhooks with WEBHOOK_STRICT_JSON', () => {
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  const receiver = new StrictReceiver();
  const app = useTestApp(
    async () =>
      controlEnv({
        WEBHOOK_URL: await receiver.start(),
        WEBHOOK_SECRET: secret,
        WEBHOOK_STRICT_JSON: 'true',
        DELIBERATION_STEP_MS: '600000',
      }),
    { beforeClose: removeQueue, afterClose: () => receiver.close() },
  );

  it('sends what strict parsers accept: lone surrogates as U+FFFD, numbers beyond a double as null; accepted at the first attempt', async () => {
    const user = newUser();
    // As the client sent it: the answers keep this text exactly (exact-json.e2e-spec.ts); a strict receiver could not read it.
    const context = '{"note":"\\ud83d","\\udc00key":[1e400,2.5],"smile":"\\ud83d\\ude00"}';
    expect(refusedByStrictParsers(context)).toBe(true);
    const created = await request(app.getHttpServer())
      .post(`${API}/sessions`)
      .set({ Authorization: `Bearer ${tokenFor(user)}`, 'Content-Type': 'application/json' })
      .send(`{"title":"strict","context":${context}}`)
      .expect(201);
    expect(created.text).toContain(`"context":${context}`);
    const api = apiAs(app, user);
    const id = created.body.id as string;
    await api.post(`/sessions/${id}/start`).expect(202);
    await api.post(`/sessions/${id}/complete`, { synthesisText: 'done' }).expect(200);

    const [first] = await waitFor(
      async () => receiver.deliveries.filter((delivery) => (JSON.parse(delivery.body) as { id: string }).id === id),
      (found) => found.length > 0,
      { timeoutMs: 30_000, what: 'the first delivery' },
    );
    expect(first.answered).toBe(200);
    const body = new Webhook(secret).verify(first.body, first.headers as Record<string, string>) as Record<string, unknown>;
    expect(body).toMatchObject({ id, status: 'completed', title: 'strict', synthesisText: 'done' });
    expect(body.context).toEqual({ note: '\uFFFD', '\uFFFDkey': [null, 2.5], smile: '\u{1F600}' });
  }, 60_000);
});

import { randomUUID } from 'node:crypto';
import { mintToken } from '../src/auth/token-signer.js';
import type { Ledger } from './ledger.js';

interface Answer {
  status: number;
  body: any;
  etag?: string | null;
  /** X-Served-From: `cache` when the service answered without PostgreSQL */
  servedFrom?: string | null;
  /** the instance that answered */
  port?: number;
}

interface Conversation {
  id: string;
  acknowledged: number;
  uncertain: number;
  /** the last message of the last acknowledged append, and the uncertain messages appended since */
  lastMarker: string | null;
  uncertainSince: number;
}

/**
 * One simulated client: its own user, sequential requests, round robin over the instances.
 * It is the only writer of its conversation sessions, so every read can be checked exactly:
 * messageCount must equal the appends it was acknowledged (a stale cache copy would lag).
 */
export class Client {
  readonly user = `faults-${randomUUID()}`;
  readonly token: string;
  private next = 0;
  private readonly conversations: Conversation[] = [];
  private readonly controlled: string[] = [];

  constructor(
    private readonly ports: number[],
    private readonly ledger: Ledger,
    secret: string,
  ) {
    this.token = mintToken(this.user, secret);
  }

  private async call(method: string, path: string, body?: object, headers: Record<string, string> = {}): Promise<Answer> {
    const port = this.ports[this.next++ % this.ports.length];
    // Counted in the phase the request was sent in, with the time to its whole answer.
    const phase = this.ledger.phase;
    const sent = performance.now();
    try {
      const response = await fetch(`http://127.0.0.1:${port}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${this.token}`, ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
        body: body ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(20000),
      });
      const text = await response.text();
      this.ledger.record(response.status, response.headers, `${method} ${path}`, performance.now() - sent, phase);
      return {
        status: response.status,
        body: text ? JSON.parse(text) : null,
        etag: response.headers.get('etag'),
        servedFrom: response.headers.get('x-served-from'),
        port,
      };
    } catch {
      this.ledger.record(0, null, `${method} ${path}`, performance.now() - sent, phase);
      return { status: 0, body: null };
    }
  }

  async run(until: () => boolean): Promise<void> {
    let step = 0;
    while (!until()) {
      step++;
      if (this.conversations.length < 3 || step % 10 === 0) await this.create();
      else if (step % 7 === 0) await this.control();
      else if (step % 3 === 0) await this.read();
      else await this.append();
    }
  }

  private async create(): Promise<void> {
    // Retried creates reuse their key, so an answer lost on the way cannot make a duplicate.
    const key = randomUUID();
    const forControl = this.conversations.length >= 3 && this.controlled.length < this.conversations.length / 2;
    for (let attempt = 0; attempt < 3; attempt++) {
      const answer = await this.call(
        'POST',
        '/sessions',
        { title: forControl ? 'controlled' : 'conversation' },
        { 'idempotency-key': key },
      );
      if (answer.status === 201) {
        this.ledger.sessions.set(answer.body.id, this.user);
        if (forControl) this.controlled.push(answer.body.id);
        else this.conversations.push({ id: answer.body.id, acknowledged: 0, uncertain: 0, lastMarker: null, uncertainSince: 0 });
        return;
      }
    }
  }

  private async append(): Promise<void> {
    const conversation = this.conversations[Math.floor(Math.random() * this.conversations.length)];
    if (!conversation) return;
    const markers = [randomUUID(), randomUUID()];
    const answer = await this.call('POST', `/sessions/${conversation.id}/messages`, {
      items: markers.map((marker) => ({ role: 'user', content: { marker } })),
    });
    if (answer.status === 201) {
      for (const marker of markers) this.ledger.messages.set(marker, conversation.id);
      (answer.body.items as Array<{ id: string; seq: number }>).forEach(({ id, seq }, n) =>
        this.ledger.answered.set(markers[n], { id, seq }),
      );
      conversation.acknowledged += markers.length;
      conversation.lastMarker = markers[markers.length - 1];
      conversation.uncertainSince = 0;
    } else {
      this.ledger.unacknowledgedBatches.push(markers);
      // A connection lost after the commit may still have stored it: the exact check stops here.
      if (answer.status === 0 || answer.status === 503) {
        conversation.uncertain += markers.length;
        conversation.uncertainSince += markers.length;
      }
    }
  }

  private async read(): Promise<void> {
    const conversation = this.conversations[Math.floor(Math.random() * this.conversations.length)];
    if (!conversation) return;
    const phase = this.ledger.phase;
    let outage = this.ledger.postgresDown;
    const answer = await this.call('GET', `/sessions/${conversation.id}`);
    if (answer.status !== 200) return;
    const count = answer.body.messageCount;
    const low = conversation.acknowledged;
    const high = conversation.acknowledged + conversation.uncertain;
    const stale = count < low || count > high;
    if (stale) {
      this.ledger.staleReads.push(
        `${conversation.id}: messageCount ${count}, expected ${low}..${high} (${phase} phase, ${new Date().toISOString().slice(11, 19)}, ` +
          `${answer.servedFrom === 'cache' ? 'from the cache' : 'from PostgreSQL'} on :${answer.port})`,
      );
    }
    // Sent and answered while PostgreSQL was stopped: the cache answered it (the reads this checks).
    if (outage && this.ledger.postgresDown && answer.servedFrom === 'cache') {
      this.ledger.outageReads.sessions++;
      if (stale) this.ledger.outageReads.stale++;
    }
    outage = this.ledger.postgresDown;
    const tail = await this.call('GET', `/sessions/${conversation.id}/messages?limit=20`);
    if (tail.status === 200) {
      const staleBefore = this.ledger.staleTails.length;
      this.checkTail(conversation, tail, phase);
      if (outage && this.ledger.postgresDown && tail.servedFrom === 'cache') {
        this.ledger.outageReads.tails++;
        if (this.ledger.staleTails.length > staleBefore) this.ledger.outageReads.stale++;
      }
    }
    await this.call('GET', '/sessions?limit=5');
  }

  /**
   * The latest 20 (served from the history's cached tail when it is current): the history's count
   * (its ETag) is within what was acknowledged, and the last acknowledged message is in the page
   * unless the appends of uncertain outcome since could have pushed it out.
   */
  private checkTail(conversation: Conversation, page: Answer, phase: string): void {
    this.ledger.tailReads++;
    const count = Number(/^"h\d+\.(\d+)"$/.exec(page.etag ?? '')?.[1] ?? NaN);
    const markers = page.body.items.map((item: any) => item.content?.marker);
    const low = conversation.acknowledged;
    const high = low + conversation.uncertain;
    const missing = conversation.lastMarker !== null && conversation.uncertainSince <= 18 && !markers.includes(conversation.lastMarker);
    if (!(count >= low && count <= high) || missing) {
      this.ledger.staleTails.push(
        `${conversation.id}: count ${count} (expected ${low}..${high}), last acknowledged ${missing ? 'missing' : 'present'} (${phase} phase)`,
      );
    }
  }

  private async control(): Promise<void> {
    const id = this.controlled[Math.floor(Math.random() * this.controlled.length)];
    if (!id) return;
    const started = await this.call('POST', `/sessions/${id}/start`);
    if (started.status === 202) {
      this.ledger.started.add(id);
      this.ledger.statusChanged(this.user, id, 'running');
    }
    if (Math.random() < 0.5) {
      const killed = await this.call('POST', `/sessions/${id}/kill`, { reason: 'faults run' });
      if (killed.status === 202) this.ledger.statusChanged(this.user, id, 'killed');
    }
  }
}

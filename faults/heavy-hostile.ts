import http from 'node:http';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { mintToken } from '../src/auth/token-signer.js';
import { serverErrorsIn } from './ledger.js';

/*
 * One account using every limit to the full at once, as the contract's "limits that protect
 * everyone" allows it: the largest legal appends (the most items, and the largest body), slow
 * `limit=all` readers, and more event streams than it may hold, none of them read. It paces itself
 * at the default rate limit and honours 429's Retry-After. What the other clients see meanwhile is
 * the run's "heavy" phase; its own answers are tallied by attack and status.
 */
const RATE_PER_SECOND = 20; // the default RATE_LIMIT_PER_MINUTE, 1200
const MAX_ITEMS = 10_000; // MESSAGES_MAX_ITEMS' default
const BODY_LIMIT = 32 * 2 ** 20; // MESSAGES_BODY_LIMIT_BYTES' default
const BIG_ITEM_CHARS = 2 ** 20 - 64; // 31 items of ~1 MiB: the largest body under the limit
const BIG_ITEMS = Math.floor(BODY_LIMIT / 2 ** 20) - 1;
const SLOW_READERS = 4;
const SLOW_READ_BYTES = 64 * 1024; // then a pause: a reader far slower than any network
const SLOW_READ_PAUSE_MS = 1000;
const STREAMS = 40; // twice MAX_STREAMS_PER_USER's default
const SEEDED_MESSAGES = 400;
const SEEDED_CHARS = 64 * 1024; // 25 MiB of history for limit=all
const REQUEST_TIMEOUT_MS = 60_000;

export type HeavyAttack = 'items' | 'body' | 'slow reads' | 'streams';

export class HeavyHostile {
  private readonly user = `heavy-${randomUUID()}`;
  private readonly token: string;
  private next = 0;
  private sendAt = 0;
  private readonly sockets = new Set<http.ClientRequest>();
  /** set when the phase ends and this client hangs up what it still holds */
  private ending = false;
  readonly tally: Record<HeavyAttack, Record<string, number>> = { items: {}, body: {}, 'slow reads': {}, streams: {} };
  historyId: string | null = null;
  /** the largest answer to an append, as a multiple of its request */
  largestAnswerRatio = 0;

  constructor(
    private readonly ports: number[],
    secret: string,
    private readonly log: (line: string) => void,
  ) {
    this.token = mintToken(this.user, secret);
  }

  /** 5xx answers other than 503 ("later"): each is a defect. */
  get serverErrors(): number {
    return serverErrorsIn(this.tally);
  }

  private count(attack: HeavyAttack, answer: string): void {
    this.tally[attack][answer] = (this.tally[attack][answer] ?? 0) + 1;
  }

  /** Holds to the rate limit's pace over all attacks together. */
  private async paced(): Promise<void> {
    const now = Date.now();
    this.sendAt = Math.max(this.sendAt + 1000 / RATE_PER_SECOND, now);
    if (this.sendAt > now) await sleep(this.sendAt - now);
  }

  /** The history the slow readers read whole, written straight into PostgreSQL before the load. */
  async seed(databaseUrl: string): Promise<void> {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query(
        `INSERT INTO sessions (user_id, title, message_count, last_seq, expires_at)
         VALUES ($1, 'heavy history', $2, $2, now() + interval '1 day') RETURNING id`,
        [this.user, SEEDED_MESSAGES],
      );
      this.historyId = rows[0].id;
      await client.query(
        `INSERT INTO messages (session_id, seq, role, content)
         SELECT $1, n, 'user', to_jsonb(repeat(md5(n::text), $3::int / 32)) FROM generate_series(1, $2::int) AS n`,
        [this.historyId, SEEDED_MESSAGES, SEEDED_CHARS],
      );
    } finally {
      await client.end();
    }
  }

  async run(withinMs: number): Promise<void> {
    const deadline = Date.now() + withinMs;
    try {
      await Promise.all([this.streams(deadline), this.appends(deadline), this.slowReads(deadline)]);
    } finally {
      this.hangUp(() => true);
    }
  }

  /** Sends one request and reads its whole answer; `slow` reads it a little at a time. */
  private request(
    attack: HeavyAttack,
    method: string,
    path: string,
    options: { body?: string; deadline: number; slow?: boolean; hold?: boolean },
  ): Promise<{ status: number; text: string; retryAfter: number }> {
    return new Promise((resolve) => {
      const port = this.ports[this.next++ % this.ports.length];
      const headers: Record<string, string | number> = { authorization: `Bearer ${this.token}` };
      if (options.body !== undefined)
        Object.assign(headers, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(options.body) });
      if (options.hold) headers.accept = 'text/event-stream';
      const request = http.request({ host: '127.0.0.1', port, method, path: `/api/v1${path}`, headers, agent: false });
      this.sockets.add(request);
      let settled = false;
      const finish = (status: number, answer: string, text = '', retryAfter = 0) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.sockets.delete(request);
        this.count(attack, answer);
        resolve({ status, text, retryAfter });
      };
      const timer = setTimeout(
        () => {
          finish(0, 'abandoned');
          request.destroy();
        },
        Math.max(1000, Math.min(REQUEST_TIMEOUT_MS, options.deadline - Date.now() + 5000)),
      );
      request.on('error', () => finish(0, this.ending ? 'hung up at the end' : 'no connection'));
      request.on('response', (response) => {
        const status = response.statusCode ?? 0;
        const retryAfter = Number(response.headers['retry-after'] ?? 0);
        if (options.hold && status === 200) {
          // An open stream never read: the socket fills and the server must cut it or hold only its bound.
          response.pause();
          response.on('close', () => finish(status, this.ending ? '200, held unread to the end' : '200, cut off by the server'));
          return;
        }
        const chunks: Buffer[] = [];
        let bytes = 0;
        response.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          if (status >= 300 || !options.slow) chunks.push(chunk);
          if (options.slow && bytes >= SLOW_READ_BYTES) {
            bytes = 0;
            response.pause();
            setTimeout(() => response.resume(), SLOW_READ_PAUSE_MS);
          }
        });
        response.on('end', () => finish(status, String(status), Buffer.concat(chunks).toString(), retryAfter));
        response.on('error', () => finish(status, `${status} cut mid-body`));
        response.on('aborted', () => finish(status, `${status} cut mid-body`));
      });
      request.end(options.body);
    });
  }

  private async create(attack: HeavyAttack, deadline: number): Promise<string | null> {
    await this.paced();
    const answer = await this.request(attack, 'POST', '/sessions', { body: '{"title":"heavy"}', deadline });
    return answer.status === 201 ? (JSON.parse(answer.text) as { id: string }).id : null;
  }

  // The most items and the largest body, alternately, each into a session of its own.
  private async appends(deadline: number): Promise<void> {
    const many = JSON.stringify({ items: Array.from({ length: MAX_ITEMS }, () => ({ role: 'a', content: 0 })) });
    const big = JSON.stringify({
      items: Array.from({ length: BIG_ITEMS }, () => ({ role: 'user', content: 'x'.repeat(BIG_ITEM_CHARS) })),
    });
    for (let round = 0; Date.now() < deadline; round++) {
      const attack: HeavyAttack = round % 2 ? 'body' : 'items';
      const id = await this.create(attack, deadline);
      if (!id) continue;
      await this.paced();
      const body = attack === 'body' ? big : many;
      const answer = await this.request(attack, 'POST', `/sessions/${id}/messages`, { body, deadline });
      this.largestAnswerRatio = Math.max(this.largestAnswerRatio, Buffer.byteLength(answer.text) / Buffer.byteLength(body));
      if (answer.status === 429) await sleep(Math.min(deadline - Date.now(), Math.max(1, answer.retryAfter) * 1000));
    }
  }

  private async slowReads(deadline: number): Promise<void> {
    if (!this.historyId) return;
    const reader = async () => {
      while (Date.now() < deadline) {
        await this.paced();
        const answer = await this.request('slow reads', 'GET', `/sessions/${this.historyId}/messages?limit=all`, { deadline, slow: true });
        if (answer.status === 429) await sleep(Math.min(deadline - Date.now(), Math.max(1, answer.retryAfter) * 1000));
      }
    };
    await Promise.all(Array.from({ length: SLOW_READERS }, reader));
  }

  // Opened one after another and left open, unread, until the end of the phase.
  private async streams(deadline: number): Promise<void> {
    const held: Promise<unknown>[] = [];
    for (let i = 0; i < STREAMS && Date.now() < deadline; i++) {
      await this.paced();
      held.push(this.request('streams', 'GET', '/events', { deadline, hold: true }));
    }
    await sleep(deadline - Date.now());
    this.hangUp((request) => request.path.endsWith('/events'));
    await Promise.race([Promise.all(held), sleep(2000)]);
    this.log(`heavy: ${STREAMS} event streams asked for: ${JSON.stringify(this.tally.streams)}`);
  }

  private hangUp(which: (request: http.ClientRequest) => boolean): void {
    this.ending = true;
    for (const request of this.sockets) if (which(request)) request.destroy();
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

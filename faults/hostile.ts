import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { mintToken } from '../src/auth/token-signer.js';
import { serverErrorsIn } from './ledger.js';

/*
 * One hostile authenticated user in the load: the crash and stall attempts of issue 9, items 1, 2
 * and 4, each bounded in count and all of them in time. Its own answers are tallied by attack and
 * status, apart from the other clients' ledger. It never holds a response body (bodies are read
 * and dropped as they stream), so its memory stays a few MiB whatever the service sends.
 */
const MESSAGE_CHARS = 1_000_000; // ~1 MiB, as the review appended them
const BIG_READS_PER_ROUND = 4; // limit=1000: eight of these at once killed an instance
const SMALL_READS_PER_ROUND = 16; // limit=100: sixteen of these drained a 10-connection pool
const MAX_READ_ROUNDS = 4;
const JUNK_CONNECTIONS = 4;
const JUNK_PER_CONNECTION = 10;
const PROGRESS_ATTEMPTS = 1001; // 1001 × 1e9 passes what numeric(18,6) holds
const PROGRESS_IN_FLIGHT = 16;
const MAX_POISON_SESSIONS = 3; // a run can end before 1001 land: then one more session, at most 3
const REQUEST_TIMEOUT_MS = 20000;
const GRACE_MS = 10000; // after the deadline, what is still in flight is abandoned

/** `{"junk":{"k0":0,...,"k69999":69999}}`: 1 MB of keys, the body that was quadratic to process. */
function junkBody(): string {
  const junk: Record<string, number> = {};
  for (let i = 0; i < 70000; i++) junk[`k${i}`] = i;
  return JSON.stringify({ junk });
}

export type Attack = 'reads' | 'junk' | 'cost';

export class HostileClient {
  private readonly user = `hostile-${randomUUID()}`;
  private readonly token: string;
  private next = 0;
  private readonly hardStop = new AbortController();
  /** attack -> answer ("200", "abandoned", "no connection", "cut mid-body") -> count */
  readonly tally: Record<Attack, Record<string, number>> = { reads: {}, junk: {}, cost: {} };
  readonly junkLatencies: number[] = [];
  /** sessions the cost attack ran on: none may be left running at the end */
  readonly poisonSessions: string[] = [];
  historyId: string | null = null;
  seededMessages = 0;
  largestReadBytes = 0;
  /** the most 202s to costDelta 1e9 on one session: past 1000 it holds more than numeric(18,6) */
  mostDeltasOnOneSession = 0;
  /** 202s to costDelta 1e9: the contract bounds a delta at 1e6 (422 beyond) */
  acceptedHugeDeltas = 0;

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

  private async call(
    attack: Attack,
    method: string,
    path: string,
    options: { body?: string; port?: number } = {},
  ): Promise<{ status: number; body: any }> {
    const port = options.port ?? this.ports[this.next++ % this.ports.length];
    const timeout = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
    const count = (answer: string) => (this.tally[attack][answer] = (this.tally[attack][answer] ?? 0) + 1);
    let response: Response;
    try {
      response = await fetch(`http://127.0.0.1:${port}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${this.token}`, ...(options.body ? { 'content-type': 'application/json' } : {}) },
        body: options.body,
        signal: AbortSignal.any([timeout, this.hardStop.signal]),
      });
    } catch {
      count(timeout.aborted || this.hardStop.signal.aborted ? 'abandoned' : 'no connection');
      return { status: 0, body: null };
    }
    count(String(response.status));
    // Small answers are parsed; a history page is counted and dropped as it streams.
    if (attack !== 'reads')
      return {
        status: response.status,
        body: await response
          .text()
          .then((text) => (text ? JSON.parse(text) : null))
          .catch(() => null),
      };
    let bytes = 0;
    try {
      for await (const chunk of response.body ?? []) bytes += chunk.byteLength;
    } catch {
      count(timeout.aborted || this.hardStop.signal.aborted ? 'abandoned mid-body' : 'cut mid-body');
    }
    this.largestReadBytes = Math.max(this.largestReadBytes, bytes);
    return { status: response.status, body: null };
  }

  /**
   * Item 1's setup, before the load starts: one session of its own holding `count` messages of
   * ~1 MiB each, written straight into PostgreSQL as the append route would (session row included,
   * so no cached copy disagrees). Through the API it took a minute of a shared 2-core machine.
   */
  async seed(databaseUrl: string, count: number): Promise<void> {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query(
        `INSERT INTO sessions (user_id, title, message_count, last_seq, expires_at)
         VALUES ($1, 'hostile history', $2, $2, now() + interval '1 day') RETURNING id`,
        [this.user, count],
      );
      this.historyId = rows[0].id;
      const inserted = await client.query(
        `INSERT INTO messages (session_id, seq, role, content)
         SELECT $1, n, 'user', to_jsonb(repeat(md5(n::text), $3::int / 32)) FROM generate_series(1, $2::int) AS n`,
        [this.historyId, count, MESSAGE_CHARS],
      );
      this.seededMessages = inserted.rowCount ?? 0;
    } finally {
      await client.end();
    }
  }

  /**
   * The attacks, until each is done or `withinMs` has passed: items 2 and 4 together first, then
   * item 1, so that reads which stall an instance cannot hide what the other two would show.
   */
  async run(withinMs: number): Promise<void> {
    const deadline = Date.now() + withinMs;
    const stopper = setTimeout(() => this.hardStop.abort(), withinMs + GRACE_MS);
    try {
      const firstPart = Date.now() + withinMs * 0.4;
      await Promise.all([this.junkBodies(firstPart), this.costPoison(firstPart)]);
      await this.bigReads(deadline);
    } finally {
      clearTimeout(stopper);
    }
  }

  // Item 1: all its reads go to one instance, as over kept-alive connections to one backend: the
  // last one, which the planned faults leave alone, so what happens to it is the reads' doing.
  private async bigReads(deadline: number): Promise<void> {
    if (!this.historyId) return;
    const path = (limit: number) => `/sessions/${this.historyId}/messages?limit=${limit}`;
    for (let round = 0; round < MAX_READ_ROUNDS && Date.now() < deadline; round++) {
      await Promise.all([
        ...Array.from({ length: BIG_READS_PER_ROUND }, () => this.call('reads', 'GET', path(1000), { port: this.ports.at(-1) })),
        ...Array.from({ length: SMALL_READS_PER_ROUND }, () => this.call('reads', 'GET', path(100), { port: this.ports.at(-1) })),
      ]);
    }
  }

  // Item 2: the 1 MB body of 70k keys on a route with a small DTO, over several connections.
  private async junkBodies(deadline: number): Promise<void> {
    const body = junkBody();
    const connection = async () => {
      for (let i = 0; i < JUNK_PER_CONNECTION && Date.now() < deadline; i++) {
        const sent = performance.now();
        await this.call('junk', 'POST', `/sessions/${randomUUID()}/kill`, { body });
        this.junkLatencies.push(performance.now() - sent);
      }
    };
    await Promise.all(Array.from({ length: JUNK_CONNECTIONS }, connection));
  }

  // Item 4: costDelta 1e9 on its own running session until 1001 were sent, then kill and delete it.
  private async costPoison(deadline: number): Promise<void> {
    for (let s = 0; s < MAX_POISON_SESSIONS && Date.now() < deadline; s++) {
      const created = await this.persist(deadline, () =>
        this.call('cost', 'POST', '/sessions', { body: JSON.stringify({ title: 'hostile cost' }) }),
      );
      if (created.status !== 201) return;
      const id: string = created.body.id;
      this.poisonSessions.push(id);
      if ((await this.persist(deadline, () => this.call('cost', 'POST', `/sessions/${id}/start`))).status !== 202) return;
      let attempts = 0;
      let accepted = 0;
      let running = true;
      const sender = async () => {
        while (running && attempts < PROGRESS_ATTEMPTS && Date.now() < deadline) {
          attempts++;
          const answer = await this.call('cost', 'POST', `/sessions/${id}/progress`, { body: '{"costDelta":1e9}' });
          if (answer.status === 202) {
            accepted++;
            this.acceptedHugeDeltas++;
          }
          if (answer.status === 409) running = false; // its run ended first: the deltas stop counting
        }
      };
      await Promise.all(Array.from({ length: PROGRESS_IN_FLIGHT }, sender));
      this.mostDeltasOnOneSession = Math.max(this.mostDeltasOnOneSession, accepted);
      const kill = await this.call('cost', 'POST', `/sessions/${id}/kill`, { body: JSON.stringify({ reason: 'hostile' }) });
      const removed = await this.call('cost', 'DELETE', `/sessions/${id}`);
      this.log(
        `hostile: session ${id.slice(0, 8)}: ${attempts} × costDelta 1e9 sent, ${accepted} accepted; kill ${kill.status}, delete ${removed.status}`,
      );
      if (running) return; // all 1001 went to one running session: the attempt is complete
    }
  }

  /** As a determined client does: a 503 or a lost connection is tried again, a few times. */
  private async persist(deadline: number, send: () => Promise<{ status: number; body: any }>): Promise<{ status: number; body: any }> {
    let answer = await send();
    for (let attempt = 1; attempt < 4 && (answer.status === 503 || answer.status === 0) && Date.now() < deadline; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      answer = await send();
    }
    return answer;
  }

  junkPercentiles(): { p50: number; max: number } {
    const sorted = [...this.junkLatencies].sort((a, b) => a - b);
    return { p50: Math.round(sorted[Math.floor(sorted.length / 2)] ?? 0), max: Math.round(sorted.at(-1) ?? 0) };
  }
}

import type { Cluster } from 'ioredis';
import { mintToken } from '../src/auth/token-signer.js';
import { queuePrefix } from '../src/redis/keys.js';
import { DELIBERATION_QUEUE } from '../src/control/queue/work.queue.js';
import type { Ledger } from './ledger.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export type KillTiming = 'before' | 'during' | 'after';

export interface Kill {
  sessionId: string;
  /** sent and watched before the master's SIGKILL, after its replica's promotion, or neither */
  when: KillTiming;
  /** the messageCount its 202 answered: nothing may be appended after it */
  messageCountAtKill: number;
  /** the BullMQ job (the running work) gone within JOB_GONE_MS of the 202: the kill reached the handler */
  reachedWork: boolean;
}

// Runs last ROUNDS × STEP (far longer than this), so a job still there after it was not told.
const JOB_GONE_MS = 6000;

/**
 * Starts a long run, waits for its first rounds (a worker holds it), kills it, and watches its
 * BullMQ job in the cluster go: the kill reached the work wherever it runs. Round robin over the
 * instances, under its own user (the load clients' ledgers are not disturbed).
 */
export class KillProber {
  readonly user = `faults-killer-${process.pid}`;
  private readonly token: string;
  readonly kills: Kill[] = [];
  /** runs that did not start or reach their first rounds in time (counted, not a violation by itself) */
  notReached = 0;
  private next = 0;
  /** set by the run as the failover goes */
  timing: KillTiming = 'before';

  constructor(
    private readonly ports: number[],
    private readonly ledger: Ledger,
    private readonly redis: Cluster,
    private readonly controlPrefix: string,
    secret: string,
  ) {
    this.token = mintToken(this.user, secret);
  }

  /** `lanes` probes at a time: one whose run was lost with the queue's master does not stall the others. */
  async run(until: () => boolean, lanes = 2): Promise<void> {
    const lane = async () => {
      while (!until()) {
        await this.probe().catch(() => this.notReached++);
        await sleep(500);
      }
    };
    await Promise.all(Array.from({ length: lanes }, lane));
  }

  private async probe(): Promise<void> {
    const created = await this.call('POST', '/sessions', { title: 'kill probe' });
    if (created.status !== 201) return void this.notReached++;
    const id: string = created.body.id;
    this.ledger.sessions.set(id, this.user);
    const started = await this.call('POST', `/sessions/${id}/start`);
    if (started.status !== 202) return void this.notReached++;
    const deadline = Date.now() + 15_000;
    for (;;) {
      const session = await this.call('GET', `/sessions/${id}`);
      if (session.status === 200 && session.body.status === 'running' && session.body.messageCount >= 2) break;
      if (Date.now() > deadline || (session.status === 200 && session.body.status !== 'running')) return void this.notReached++;
      await sleep(200);
    }
    const when = this.timing;
    const killed = await this.call('POST', `/sessions/${id}/kill`, { reason: 'faults cluster run' });
    if (killed.status !== 202) return void this.notReached++;
    const jobKey = `${queuePrefix(this.controlPrefix)}:${DELIBERATION_QUEUE}:${id}`;
    let reachedWork = false;
    for (const gone = Date.now() + JOB_GONE_MS; Date.now() < gone; await sleep(250)) {
      if ((await this.redis.exists(jobKey).catch(() => 1)) === 0) {
        reachedWork = true;
        break;
      }
    }
    // A watch that saw the master die or the slots move is the failover's, whenever the kill was sent.
    this.kills.push({
      sessionId: id,
      when: this.timing === when ? when : 'during',
      messageCountAtKill: killed.body.messageCount,
      reachedWork,
    });
  }

  private async call(method: string, path: string, body?: object): Promise<{ status: number; body: any }> {
    const port = this.ports[this.next++ % this.ports.length];
    const sent = performance.now();
    try {
      const response = await fetch(`http://127.0.0.1:${port}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${this.token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(20000),
      });
      const text = await response.text();
      this.ledger.record(response.status, response.headers, `${method} ${path}`, performance.now() - sent);
      return { status: response.status, body: text ? JSON.parse(text) : null };
    } catch {
      this.ledger.record(0, null, `${method} ${path}`, performance.now() - sent);
      return { status: 0, body: null };
    }
  }
}

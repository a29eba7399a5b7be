import pg from 'pg';
import { mintToken } from '../src/auth/token-signer.js';
import { type ReadyProcess, startReadyProcess } from '../test/utils/ready-process.js';

const WORKER = new URL('../examples/typescript-worker/worker.js', import.meta.url).pathname;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Handlers of the faults run: `research` for the remote load, `slow` for the worker that is SIGKILLed. */
export const REMOTE_HANDLERS = 'research,slow';

/**
 * Remote HTTP workers in the faults run: worker processes (examples/typescript-worker) that long-poll
 * the instances, a driver that starts `research` sessions round-robin on them, and the two faults
 * the issue names: a worker SIGKILLed mid-run (its session must fail as lost within the lease), and
 * an instance restarted while workers long-poll on it (they must reconnect elsewhere and go on).
 */
export class RemoteWork {
  private readonly workers: ReadyProcess[] = [];
  private readonly started: Array<{ id: string; at: number }> = [];
  // A user per session: MAX_RUNNING_PER_USER stays what the rest of the run has.
  private readonly owners = new Map<string, string>();
  private sessionsMade = 0;
  readonly figures = { remoteStarted: 0, remoteStartRefused: 0, killedWorkerFailedAfterMs: -1, killedWorkerError: '' };
  unexpectedWorkerExits = 0;

  constructor(
    private readonly ports: number[],
    private readonly secret: string,
    private readonly leaseSeconds: number,
    private readonly log: (line: string) => void,
  ) {}

  /** Workers whose first URL is `first`'s: they long-poll there until it goes away. */
  async startWorkers(count: number, firstPort: number): Promise<void> {
    const order = [firstPort, ...this.ports.filter((port) => port !== firstPort)];
    for (let i = 0; i < count; i++) {
      const worker = await this.spawn({ HANDLERS: 'research', ROUNDS: '2', STEP_SECONDS: '1' }, order, `remote worker ${i}`);
      void worker.exited.then(() => {
        if (!this.workers.includes(worker)) return;
        this.unexpectedWorkerExits++;
        this.log(`remote worker ${i} exited; its last lines:\n${worker.output().trim().split('\n').slice(-8).join('\n')}`);
      });
      this.workers.push(worker);
    }
  }

  /** Starts a `research` session every `everyMs` until `stop()`; refusals during faults are expected. */
  // Two workers finish about a session per 2 s each (2 rounds of 1 s): a start every 3 s leaves no backlog.
  async drive(stop: () => boolean, everyMs = 3000): Promise<void> {
    for (let i = 0; !stop(); i++) {
      const port = this.ports[i % this.ports.length];
      try {
        this.started.push({ id: await this.startSession(port, 'research'), at: Date.now() });
        this.figures.remoteStarted++;
      } catch {
        this.figures.remoteStartRefused++;
      }
      await sleep(everyMs);
    }
  }

  /** A worker of its own claims a `slow` session, is SIGKILLed mid-run; the session must fail as lost within the lease + 5 s. */
  async killWorkerMidRun(): Promise<void> {
    const doomed = await this.spawn({ HANDLERS: 'slow', ROUNDS: '1000', STEP_SECONDS: '1' }, this.ports, 'doomed remote worker');
    const id = await this.startSession(this.ports[1], 'slow');
    for (let i = 0; i < 120 && !doomed.output().includes('appended 1'); i++) await sleep(250);
    await doomed.stop('SIGKILL');
    const killedAt = Date.now();
    const deadline = killedAt + (this.leaseSeconds + 30) * 1000;
    while (Date.now() < deadline) {
      const session = await this.get(id).catch(() => null);
      if (session && session.status !== 'running') {
        this.figures.killedWorkerFailedAfterMs = Date.now() - killedAt;
        this.figures.killedWorkerError = `${session.status}: ${session.error}`;
        break;
      }
      await sleep(250);
    }
    this.log(
      `remote worker SIGKILLed mid-run: its session ${this.figures.killedWorkerError} after ${this.figures.killedWorkerFailedAfterMs} ms`,
    );
  }

  /** What the load workers printed about moving to another instance. */
  get reconnections(): number {
    return this.workers.reduce((sum, worker) => sum + (worker.output().match(/^reconnecting/gm)?.length ?? 0), 0);
  }

  /** How the remote sessions ended, and how many of those started after `since` were completed. */
  async outcome(databaseUrl: string, since: number): Promise<{ byStatus: Record<string, number>; completedAfter: number }> {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query(`SELECT id, status FROM sessions WHERE id = ANY($1::uuid[])`, [this.started.map((s) => s.id)]);
      const status = new Map<string, string>(rows.map((row: { id: string; status: string }) => [row.id, row.status]));
      const byStatus: Record<string, number> = {};
      for (const value of status.values()) byStatus[value] = (byStatus[value] ?? 0) + 1;
      const completedAfter = this.started.filter((s) => s.at > since && status.get(s.id) === 'completed').length;
      return { byStatus, completedAfter };
    } finally {
      await client.end();
    }
  }

  async stop(): Promise<void> {
    const workers = this.workers.splice(0);
    await Promise.all(workers.map((worker) => worker.stop('SIGKILL')));
  }

  private spawn(env: Record<string, string>, ports: number[], name: string): Promise<ReadyProcess> {
    const urls = ports.map((port) => `http://127.0.0.1:${port}`).join(',');
    const token = mintToken(`${name.replace(/ /g, '-')}-${process.pid}`, this.secret, { roles: ['worker'], expiresIn: 3600 });
    return startReadyProcess(process.execPath, [WORKER], {
      env: { ...env, SESSION_STORE_URLS: urls, WORKER_TOKEN: token },
      readyLine: 'worker ready',
      name,
    });
  }

  private async startSession(port: number, handler: string): Promise<string> {
    const user = `remote-driver-${process.pid}-${this.sessionsMade++}`;
    const created = await this.call(port, 'POST', '/sessions', user, { title: `remote ${handler}` });
    if (created.status !== 201) throw new Error(`create: ${created.status}`);
    this.owners.set(created.body.id, user);
    const started = await this.call(port, 'POST', `/sessions/${created.body.id}/start`, user, { handler });
    if (started.status !== 202) throw new Error(`start: ${started.status}`);
    return created.body.id;
  }

  private async get(id: string): Promise<{ status: string; error: string | null }> {
    for (const port of this.ports) {
      const answer = await this.call(port, 'GET', `/sessions/${id}`, this.owners.get(id)!).catch(() => null);
      if (answer?.status === 200) return answer.body;
    }
    throw new Error('no instance answered');
  }

  private async call(port: number, method: string, path: string, user: string, body?: object): Promise<{ status: number; body: any }> {
    const token = mintToken(user, this.secret, { expiresIn: 3600 });
    const response = await fetch(`http://127.0.0.1:${port}/api/v1${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body && { 'Content-Type': 'application/json' }) },
      body: body && JSON.stringify(body),
      signal: AbortSignal.timeout(15000),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  }
}

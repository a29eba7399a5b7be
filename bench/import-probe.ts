import { mintToken } from '../src/auth/token-signer.js';

const CLIENTS = 4;
// Between two requests of one client: a light load (about CLIENTS * 8 requests a second), not a flood.
const PAUSE_MS = 100;
const HISTORY = 20;

export interface ProbeResult {
  requests: number;
  p50: number;
  p99: number;
  errors: number;
}

/**
 * Other users of the service while an import runs: a few clients, each reading the last 20
 * messages of a session of its own and appending one, with a pause between requests. Their
 * latencies before the import and during it say whether the service stays responsive.
 */
export class OtherUsers {
  private readonly sessions: Array<{ auth: string; id: string }> = [];

  constructor(
    private readonly port: number,
    private readonly secret: string,
  ) {}

  async seed(): Promise<void> {
    for (let n = 0; n < CLIENTS; n++) {
      const auth = `Bearer ${mintToken(`bench-import-other-${n}`, this.secret)}`;
      const created = await this.request('POST', '/api/v1/sessions', auth, { title: `other user ${n}` });
      const { id } = JSON.parse(created.text) as { id: string };
      for (let m = 0; m < HISTORY; m++)
        await this.request('POST', `/api/v1/sessions/${id}/messages`, auth, { role: 'user', content: `turn ${m}` });
      this.sessions.push({ auth, id });
    }
  }

  /** Requests until `until` settles; each client reads then appends, turn after turn. */
  async measure(until: Promise<unknown>): Promise<ProbeResult> {
    let done = false;
    void until.finally(() => (done = true));
    const latencies: number[] = [];
    let errors = 0;
    const client = async ({ auth, id }: { auth: string; id: string }) => {
      for (let turn = 0; !done; turn++) {
        const started = performance.now();
        const response = await (
          turn % 2
            ? this.request('POST', `/api/v1/sessions/${id}/messages`, auth, { role: 'user', content: `probe ${turn}` })
            : this.request('GET', `/api/v1/sessions/${id}/messages?limit=${HISTORY}`, auth)
        ).catch(() => null);
        latencies.push(performance.now() - started);
        if (!response?.ok) errors++;
        await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
      }
    };
    await Promise.all(this.sessions.map(client));
    latencies.sort((a, b) => a - b);
    const at = (q: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0);
    return { requests: latencies.length, p50: at(0.5), p99: at(0.99), errors };
  }

  private async request(method: string, path: string, auth: string, body?: object): Promise<{ ok: boolean; text: string }> {
    const response = await fetch(`http://127.0.0.1:${this.port}${path}`, {
      method,
      headers: { Authorization: auth, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { ok: response.ok, text: await response.text() };
  }
}

/*
 * A remote worker for the session store in TypeScript, with nothing but fetch: the same protocol
 * as ../python-worker/worker.py (see README, "Run your own agents"). Build with the repo
 * (`npm run build`) and run `node dist/examples/typescript-worker/worker.js`, with:
 *   SESSION_STORE_URLS  base URLs, comma-separated (default http://127.0.0.1:3000); on a connection
 *                       error or a 503 it moves on to the next one
 *   WORKER_TOKEN        a bearer token with the worker role (npm run token -- --user w --worker)
 *   HANDLERS            handlers to claim, comma-separated (default: any remote handler)
 *   ROUNDS, STEP_SECONDS, ONCE as in the Python worker
 */
const urls = (process.env.SESSION_STORE_URLS ?? 'http://127.0.0.1:3000').split(',').map((url) => url.trim().replace(/\/$/, ''));
const token = process.env.WORKER_TOKEN ?? '';
const handlers = (process.env.HANDLERS ?? '').split(',').filter(Boolean);
const rounds = Number(process.env.ROUNDS ?? 3);
const stepSeconds = Number(process.env.STEP_SECONDS ?? 1);
const once = process.env.ONCE === '1';
let current = 0;

type Answer = { status: number; body: any };

/** The session left running, or the lease is gone: stop, write nothing more. */
class Stopped extends Error {}

async function post(path: string, body: object): Promise<Answer> {
  // An outage (a restart, PostgreSQL or Redis away for a while) is waited out for two minutes.
  const giveUpAt = Date.now() + 120_000;
  for (let pause = 200; Date.now() < giveUpAt; pause = Math.min(pause * 2, 2000)) {
    const url = `${urls[current]}/api/v1${path}`;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
        body: JSON.stringify(body),
      });
      if (![502, 503, 504].includes(response.status)) {
        const text = await response.text();
        return { status: response.status, body: text ? JSON.parse(text) : null };
      }
      console.log(`reconnecting: ${response.status} from ${urls[current]}`);
    } catch (error) {
      console.log(`reconnecting: ${urls[current]}: ${(error as Error).message}`);
    }
    current = (current + 1) % urls.length;
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
  throw new Error('no instance of the session store answers');
}

function underLease(leaseId: string) {
  const call = async (action: string, body: object) => {
    const { status, body: answer } = await post(`/work/${leaseId}/${action}`, body);
    if (status === 409 || status === 410) throw new Stopped(`${action}: ${status} ${answer?.code} ${answer?.currentStatus ?? ''}`.trim());
    if (status >= 300) throw new Error(`${action}: ${status} ${JSON.stringify(answer)}`);
    return answer;
  };
  return {
    call,
    /** Sleeps by waiting on a heartbeat: it answers at once when the session is killed. */
    wait: async (seconds: number) => {
      const answer = await call('heartbeat', { waitSeconds: seconds });
      if (answer.stop) throw new Stopped(`heartbeat: stop ${answer.status}`);
    },
  };
}

/** The stand-in agent: replace with your own pipeline. */
async function deliberate(lease: ReturnType<typeof underLease>, session: { title?: string | null }) {
  const topic = session.title ?? 'the problem';
  await lease.call('progress', { phase: 'decomposition' });
  for (let round = 1; round <= rounds; round++) {
    await lease.wait(stepSeconds);
    await lease.call('progress', { phase: 'deliberation', roundNumber: round, costDelta: 0.01 });
    const appended = await lease.call('messages', { role: 'assistant', content: `Round ${round} on ${topic} (typescript)` });
    console.log(`appended ${appended.items[0].seq}`);
  }
  return { synthesisText: `After ${rounds} rounds on ${topic}, typescript agreed.`, finalRecommendation: 'ship it' };
}

async function main(): Promise<void> {
  process.once('SIGTERM', () => process.exit(0));
  console.log(`worker ready: ${urls.join(', ')}`);
  for (;;) {
    const { status, body } = await post('/work/claim', { waitSeconds: 20, ...(handlers.length ? { handlers } : {}) });
    if (status === 204) continue;
    if (status !== 200) throw new Error(`claim refused: ${status} ${JSON.stringify(body)}`);
    const lease = underLease(body.lease.id);
    const id = body.session.id;
    console.log(`claimed ${id} lease ${body.lease.id}`);
    try {
      await lease.call('complete', await deliberate(lease, body.session));
      console.log(`completed ${id}`);
    } catch (error) {
      if (error instanceof Stopped) console.log(`stopped ${id} ${error.message}`);
      else {
        // The agent failed: so does the session (unless it already left running).
        await lease.call('fail', { error: String((error as Error).message || error).slice(0, 1000) }).catch(() => undefined);
        console.log(`failed ${id} ${(error as Error).message}`);
      }
    }
    if (once) return;
  }
}

main().catch((error: Error) => {
  console.error(`worker stopped: ${error.message}`);
  process.exit(1);
});

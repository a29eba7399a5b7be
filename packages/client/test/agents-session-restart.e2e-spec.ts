import type { AgentInputItem } from '@openai/agents-core';
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { newUser, tokenFor } from '../../../test/factories/token.factory.js';
import { type ReadyProcess, startReadyProcess } from '../../../test/utils/ready-process.js';
import { waitFor } from '../../../test/utils/wait-for.js';
import { AgentsSession } from '../src/index.js';
import { userMessage } from './utils/service.js';

// The build `npm run test:client` makes first: the service as `npm start` runs it.
const MAIN = fileURLToPath(new URL('../../../dist/src/main.js', import.meta.url));
const WRITERS = 6;
// Calls each writer makes between the faults, so every fault lands in a stream of appends.
const CALLS_BETWEEN = 15;

interface Call {
  texts: string[];
  outcome: 'pending' | 'stored' | 'threw';
}

/**
 * A free port below the OS's ephemeral range (32768 and up on Linux), so that no outgoing
 * connection takes it while the instance is down: its restart listens on it again.
 */
async function sparePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const server = net.createServer();
    const free = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(port, '0.0.0.0', () => resolve(true));
    });
    if (!free) continue;
    await new Promise((resolve) => server.close(resolve));
    return port;
  }
}

/**
 * An instance of the service in its own process (this run's database and Redis index, from the
 * environment the global setup made), SIGKILLed while writers stream addItems at it and started
 * again on the same port: each call must either succeed with its items stored exactly once, or
 * throw with none of them stored. With the default retry window (longer than a restart), none throws.
 */
describe('AgentsSession across an instance SIGKILLed and restarted', () => {
  let port: number;
  let instance: ReadyProcess;
  const start = () =>
    startReadyProcess(process.execPath, [MAIN], {
      env: { PORT: String(port), WORKER_ENABLED: 'false' },
      readyLine: 'listening on',
      name: 'service instance',
      timeoutMs: 60_000,
    });

  beforeAll(async () => {
    port = await sparePort();
    instance = await start();
  }, 90_000);
  afterAll(() => instance?.stop('SIGKILL'));

  it('every addItems during two SIGKILLs (one mid-request, one after its appends committed) succeeds once or stores nothing', async () => {
    const user = newUser('restart');
    const session = (key: string) => new AgentsSession({ baseUrl: `http://127.0.0.1:${port}`, token: tokenFor(user), key });
    const writers = Array.from({ length: WRITERS }, (_, writer) => ({ writer, key: `agent_${randomUUID()}`, calls: [] as Call[] }));
    let stopping = false;
    const stream = async ({ writer, key, calls }: (typeof writers)[number]) => {
      const memory = session(key);
      for (let n = 0; !stopping; n++) {
        const call: Call = { texts: [`writer ${writer} call ${n} a`, `writer ${writer} call ${n} b`], outcome: 'pending' };
        calls.push(call);
        try {
          await memory.addItems(call.texts.map(userMessage));
          call.outcome = 'stored';
        } catch {
          call.outcome = 'threw';
        }
      }
    };
    const callsSoFar = () => Promise.resolve(Math.min(...writers.map(({ calls }) => calls.length)));
    const streaming = writers.map(stream);
    const afterMoreCalls = async (what: string) => {
      const target = (await callsSoFar()) + CALLS_BETWEEN;
      await waitFor(callsSoFar, (n) => n >= target, { timeoutMs: 90_000, what });
    };

    await afterMoreCalls('appends before the first fault');
    // SIGKILL as it comes: requests are cut wherever they are.
    await instance.stop('SIGKILL');
    instance = await start();
    await afterMoreCalls('appends after the first restart');
    // Frozen first: appends already sent to PostgreSQL commit there, their answers never leave.
    instance.child.kill('SIGSTOP');
    await new Promise((resolve) => setTimeout(resolve, 300));
    await instance.stop('SIGKILL');
    instance = await start();
    await afterMoreCalls('appends after the second restart');
    stopping = true;
    await Promise.all(streaming);

    const tally = { calls: 0, stored: 0, threw: 0, threwButStored: 0, storedTwice: 0 };
    const histories = [];
    for (const { key, calls } of writers) {
      const history = (await session(key).getItems()).map(textOf);
      const copies = new Map<string, number>();
      for (const text of history) copies.set(text, (copies.get(text) ?? 0) + 1);
      for (const call of calls) {
        tally.calls++;
        tally[call.outcome === 'stored' ? 'stored' : 'threw']++;
        const stored = copies.get(call.texts[0]) ?? 0;
        if (call.outcome === 'threw' && stored > 0) tally.threwButStored++;
        if (stored > 1) tally.storedTwice++;
      }
      // In call order, each call's items together: exactly the calls that succeeded.
      histories.push({ history, expected: calls.filter((call) => call.outcome === 'stored').flatMap((call) => call.texts) });
    }
    expect(tally).toEqual({ ...tally, stored: tally.calls, threw: 0, threwButStored: 0, storedTwice: 0 });
    for (const { history, expected } of histories) expect(history).toEqual(expected);
  }, 300_000);
});

function textOf(item: AgentInputItem): string {
  return (item as { content: { text: string }[] }).content[0].text;
}

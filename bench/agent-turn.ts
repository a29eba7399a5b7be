import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AgentsSession } from '../packages/client/src/index.js';

/** How a turn is sent: plain HTTP (appends without a key), the same with an Idempotency-Key, AgentsSession, or the Python client. */
export type TurnVia = 'HTTP' | 'HTTP with Idempotency-Key' | 'AgentsSession' | 'Python SessionStoreSession';
export const TURN_VIAS: TurnVia[] = ['HTTP', 'HTTP with Idempotency-Key', 'AgentsSession', 'Python SessionStoreSession'];

/** The name of a turn's row in the bench's table. */
export const turnRow = (via: TurnVia) => `agent turn via ${via}: read 20 + append 2 (turns/s)`;

/** What one scenario of agent turns measured: turns per second and latency of a whole turn. */
export interface TurnResult {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

const item = (role: 'user' | 'assistant', text: string) =>
  role === 'user'
    ? { role, content: [{ type: 'input_text' as const, text }] }
    : { type: 'message' as const, role, status: 'completed' as const, content: [{ type: 'output_text' as const, text }] };

/**
 * An agent's turn as the Agents SDK's Runner makes it on its session: read the latest 20 items,
 * then append the turn's two (the user's message and the answer). `connections` conversations run
 * side by side for `seconds`, each on its own key and user; the figure is whole turns.
 */
export async function agentTurns(
  options: { port: number; connections: number; seconds: number; bearer: (user: string) => string },
  via: TurnVia,
): Promise<TurnResult> {
  const baseUrl = `http://127.0.0.1:${options.port}`;
  if (via === 'Python SessionStoreSession') return pythonTurns(baseUrl, options);
  const conversations = await Promise.all(
    Array.from({ length: options.connections }, async (_, index) => {
      const user = `bench-agent-${index}`;
      const key = `bench-turns-${via.replace(/\W+/g, '-')}-${index}-${Date.now()}`;
      const token = options.bearer(user).slice('Bearer '.length);
      const session = new AgentsSession({ baseUrl, token, key });
      await session.getItems(20); // creates the session by key, outside the measure
      return via === 'AgentsSession' ? session : await rawTurn(baseUrl, options.bearer(user), key, via === 'HTTP with Idempotency-Key');
    }),
  );
  const latencies: number[] = [];
  let errors = 0;
  const until = performance.now() + options.seconds * 1000;
  await Promise.all(
    conversations.map(async (conversation, index) => {
      for (let turn = 0; performance.now() < until; turn++) {
        const started = performance.now();
        try {
          if (conversation instanceof AgentsSession) {
            await conversation.getItems(20);
            await conversation.addItems([item('user', `question ${index}.${turn}`), item('assistant', `answer ${index}.${turn}`)]);
          } else {
            await conversation(turn);
          }
          latencies.push(performance.now() - started);
        } catch {
          errors++;
        }
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  const at = (q: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN);
  return { rps: Math.round(latencies.length / options.seconds), p50: at(0.5), p99: at(0.99), errors };
}

/**
 * The same turn in plain fetch calls, the floor the client's own cost is measured against; with
 * `idempotent`, the append carries an Idempotency-Key as AgentsSession's do (the service then also
 * records the key), so the two differ by the client alone.
 */
async function rawTurn(baseUrl: string, authorization: string, key: string, idempotent: boolean) {
  const headers = { authorization, 'content-type': 'application/json' };
  const created = await fetch(`${baseUrl}/api/v1/sessions/by-key/${encodeURIComponent(key)}`, { method: 'PUT', headers, body: '{}' });
  const { id } = (await created.json()) as { id: string };
  const messages = `${baseUrl}/api/v1/sessions/${id}/messages`;
  return async (turn: number) => {
    const read = await fetch(`${messages}?limit=20`, { headers });
    if (!read.ok) throw new Error(`read ${read.status}`);
    await read.json();
    const items = [item('user', `question ${turn}`), item('assistant', `answer ${turn}`)].map((content) => ({
      role: content.role,
      content,
    }));
    const keyed = idempotent ? { ...headers, 'idempotency-key': globalThis.crypto.randomUUID() } : headers;
    const written = await fetch(messages, { method: 'POST', headers: keyed, body: JSON.stringify({ items }) });
    if (!written.ok) throw new Error(`append ${written.status}`);
    await written.json();
  };
}

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The same turns through the Python client (bench/agent_turn.py: SessionStoreSession, asyncio) in
 * a Python process of its own, from the suite's pinned environment (scripts/python-venv.sh).
 */
async function pythonTurns(
  baseUrl: string,
  options: { connections: number; seconds: number; bearer: (user: string) => string },
): Promise<TurnResult> {
  execFileSync(join(root, 'scripts/python-venv.sh'), { stdio: 'inherit' });
  const tokens = Array.from({ length: options.connections }, (_, index) => options.bearer(`bench-agent-${index}`).slice('Bearer '.length));
  const env = {
    ...process.env,
    PYTHONPATH: join(root, 'clients/python/src'),
    BENCH_BASE_URL: baseUrl,
    BENCH_KEY_PREFIX: `bench-turns-python-${Date.now()}`,
    BENCH_SECONDS: String(options.seconds),
    BENCH_TOKENS: JSON.stringify(tokens),
  };
  const python = spawn(join(root, '.venv/bin/python'), [join(root, 'bench/agent_turn.py')], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  python.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve, reject) => python.once('error', reject).once('close', resolve));
  if (code !== 0) throw new Error(`bench/agent_turn.py exited with ${code}`);
  return JSON.parse(output) as TurnResult;
}

import autocannon from 'autocannon';
import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { Redis } from 'ioredis';
import { Instance } from '../faults/service-instance.js';
import { mintToken } from '../src/auth/token-signer.js';
import { ensureDatabase } from '../src/database/ensure-database.js';
import { runMigrations } from '../src/database/migrate.js';

/*
 * `npm run bench:events`: what open event streams cost the API, and how fast an event arrives.
 * The built service in its own process; the cached GET p99 under autocannon with no stream open,
 * then with STREAMS (1,000) streams open (one per user), then the delivery latency of WRITES
 * appends: from the write's answer to its event on the writer's own stream, with the streams open.
 */
const DATABASE_URL = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/session_store_bench_events';
const REDIS_URL = process.env.BENCH_REDIS_URL || 'redis://127.0.0.1:6379/15';
const PORT = Number(process.env.BENCH_EVENTS_PORT || 3915);
const SECONDS = Number(process.env.BENCH_SECONDS || 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS || 32);
const STREAMS = Number(process.env.BENCH_STREAMS || 1000);
const WRITES = Number(process.env.BENCH_EVENT_WRITES || 1000);
const SECRET = 'bench-secret-at-least-16-chars';
const base = `http://127.0.0.1:${PORT}/api/v1`;
const bearer = (user: string) => `Bearer ${mintToken(user, SECRET)}`;

async function call(user: string, method: string, path: string, body?: object): Promise<any> {
  const response = await fetch(base + path, {
    method,
    headers: { authorization: bearer(user), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return response.status === 204 ? null : response.json();
}

/** An open stream; `onEvent` sees each event's data and the time it arrived. */
function openStream(user: string, onEvent?: (data: any, at: number) => void): Promise<http.ClientRequest> {
  return new Promise((resolve, reject) => {
    const request = http.get(`${base}/events`, { headers: { authorization: bearer(user) }, agent: false }, (response) => {
      if (response.statusCode !== 200) return reject(new Error(`stream answered ${response.statusCode}`));
      response.setEncoding('utf8');
      let buffer = '';
      response.on('data', (chunk: string) => {
        const at = performance.now();
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const data = buffer
            .slice(0, end)
            .split('\n')
            .find((line) => line.startsWith('data: '));
          buffer = buffer.slice(end + 2);
          if (data && onEvent) onEvent(JSON.parse(data.slice(6)), at);
        }
      });
      resolve(request);
    });
    request.on('error', reject);
  });
}

async function getLoad(ids: string[], user: string): Promise<{ rps: number; p50: number; p99: number; errors: number }> {
  let next = 0;
  const result = await autocannon({
    url: `http://127.0.0.1:${PORT}`,
    connections: CONNECTIONS,
    duration: SECONDS,
    requests: [
      {
        method: 'GET',
        setupRequest: (request: any) => ({
          ...request,
          path: `/api/v1/sessions/${ids[next++ % ids.length]}`,
          headers: { authorization: bearer(user) },
        }),
      },
    ],
  });
  return {
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.non2xx + result.errors,
  };
}

const percentile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];

async function main(): Promise<void> {
  await ensureDatabase(DATABASE_URL);
  await runMigrations(DATABASE_URL);
  const redis = new Redis(REDIS_URL);
  await redis.flushdb(); // the bench's own index
  redis.disconnect();
  const instance = new Instance('events', PORT, {
    DATABASE_URL,
    REDIS_URL,
    AUTH_JWT_SECRET: SECRET,
    RATE_LIMIT_PER_MINUTE: '0',
    MAX_SESSIONS_PER_USER: '1000000000',
    WORKER_ENABLED: 'false',
    CLEANUP_CRON: 'off',
    NODE_ENV: 'production',
  });
  await instance.start();
  const streams: http.ClientRequest[] = [];
  try {
    const reader = `bench-reader-${Date.now()}`;
    const ids: string[] = [];
    for (let i = 0; i < 100; i++) ids.push((await call(reader, 'POST', '/sessions', { title: `s${i}` })).id);
    await getLoad(ids, reader); // warm-up
    const without = await getLoad(ids, reader);

    const writer = `bench-writer-${Date.now()}`;
    const arrivals = new Map<number, number>();
    streams.push(await openStream(writer, (data, at) => data.seqs?.forEach((seq: number) => arrivals.set(seq, at))));
    for (let i = 1; i < STREAMS; i += 50)
      streams.push(
        ...(await Promise.all(Array.from({ length: Math.min(50, STREAMS - i) }, (_, j) => openStream(`bench-listener-${i + j}`)))),
      );
    const withStreams = await getLoad(ids, reader);

    const session = (await call(writer, 'POST', '/sessions', { title: 'written' })).id;
    const [sent, answered] = [new Map<number, number>(), new Map<number, number>()];
    for (let seq = 1; seq <= WRITES; seq++) {
      sent.set(seq, performance.now());
      await call(writer, 'POST', `/sessions/${session}/messages`, { role: 'user', content: `m${seq}` });
      answered.set(seq, performance.now());
    }
    for (let i = 0; i < 100 && arrivals.size < WRITES; i++) await new Promise((resolve) => setTimeout(resolve, 100));
    // An event may arrive before its answer is read (it is appended before the answer is sent): 0 then.
    const after = (from: Map<number, number>, floor: boolean) =>
      [...from]
        .map(([seq, at]) => (arrivals.get(seq) ?? Infinity) - at)
        .map((ms) => (floor ? Math.max(0, ms) : ms))
        .sort((a, b) => a - b);
    const latencies = after(answered, true);
    const fromSent = after(sent, false);
    const figures = {
      streams: streams.length,
      getWithout: without,
      getWith: withStreams,
      eventLatencyMs: {
        writes: WRITES,
        received: arrivals.size,
        p50: Number(percentile(latencies, 0.5).toFixed(2)),
        p99: Number(percentile(latencies, 0.99).toFixed(2)),
        max: Number(latencies.at(-1)!.toFixed(2)),
        // From the write's request to its event: the write's own time plus the delivery.
        sentP50: Number(percentile(fromSent, 0.5).toFixed(2)),
        sentP99: Number(percentile(fromSent, 0.99).toFixed(2)),
        writeAnsweredP50: Number(
          percentile(
            [...answered].map(([seq, at]) => at - sent.get(seq)!).sort((a, b) => a - b),
            0.5,
          ).toFixed(2),
        ),
      },
    };
    console.table({ 'GET /sessions/:id, no stream open': without, [`GET /sessions/:id, ${streams.length} streams open`]: withStreams });
    console.log(`event latency (write answered -> event received, ${streams.length} streams open):`, figures.eventLatencyMs);
    mkdirSync('bench/results', { recursive: true });
    writeFileSync(
      `bench/results/events-${new Date().toISOString().slice(0, 19).replace(/:/g, '-')}.json`,
      JSON.stringify(figures, null, 2),
    );
  } finally {
    for (const stream of streams) stream.destroy();
    await instance.stop('SIGTERM');
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);

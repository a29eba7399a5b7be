import { parentPort, workerData } from 'node:worker_threads';

/*
 * The bench's load: `concurrency` clients GET live sessions and their latest messages in a loop
 * until told to stop, on a thread of its own so the clients do not share the server's event loop.
 * Each sample is [epoch ms at start, latency ms, 1 if 200 else 0]; the main thread splits them by phase.
 */
interface LoadOptions {
  baseUrl: string;
  token: string;
  ids: string[];
  concurrency: number;
}

const { baseUrl, token, ids, concurrency } = workerData as LoadOptions;
const headers = { Authorization: `Bearer ${token}` };
const samples: number[] = [];
let stopping = false;

parentPort!.on('message', (message) => {
  if (message === 'stop') stopping = true;
});

async function client(seed: number): Promise<void> {
  for (let n = seed; !stopping; n += concurrency) {
    const id = ids[(n * 7919) % ids.length];
    const path = n % 2 === 0 ? `/api/v1/sessions/${id}` : `/api/v1/sessions/${id}/messages?limit=20`;
    const startedAt = Date.now();
    const start = performance.now();
    let ok: number;
    try {
      const response = await fetch(baseUrl + path, { headers });
      await response.arrayBuffer();
      ok = response.status === 200 ? 1 : 0;
    } catch {
      ok = 0;
    }
    samples.push(startedAt, performance.now() - start, ok);
  }
}

await Promise.all(Array.from({ length: concurrency }, (_, seed) => client(seed)));
parentPort!.postMessage(Float64Array.from(samples));

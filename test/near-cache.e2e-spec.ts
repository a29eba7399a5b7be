import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import net from 'node:net';
import { Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import { SessionCache } from '../src/sessions/session.cache.js';
import { apiAs, createSession } from './factories/api.factory.js';
import { newUser } from './factories/token.factory.js';
import { createTestApp } from './utils/create-test-app.js';
import { TcpProxy } from './utils/tcp-proxy.js';
import { type ReadyProcess, startReadyProcess } from './utils/ready-process.js';
import { useOwnRedisIndex } from './utils/own-redis-index.js';
import { useTestApp } from './utils/use-test-app.js';
import { waitFor } from './utils/wait-for.js';

// It FLUSHDBs: on the run's shared index that would take other specs' leases and queues mid-test.
useOwnRedisIndex();

/**
 * Two instances on one database and one Redis: each keeps in-process copies of sessions, which
 * must never outlive a write made through the other.
 */
describe('in-process copies across instances', () => {
  const one = useTestApp();
  const two = useTestApp();
  let redis: Redis;

  beforeAll(() => {
    redis = new Redis(process.env.REDIS_URL!);
  });
  afterAll(() => redis.quit());

  it('serves repeated reads without Redis, and every read after a write on the other instance sees it', async () => {
    const user = newUser();
    const [a, b] = [apiAs(one, user), apiAs(two, user)];
    const { id } = await createSession(a, { title: 'v0' });
    const cacheOne = app(one);
    for (let i = 1; i <= 100; i++) {
      await a.get(`/sessions/${id}`).expect(200); // instance one holds a copy
      const written =
        i % 2
          ? await b.patch(`/sessions/${id}`, { title: `v${i}` })
          : await b.post(`/sessions/${id}/messages`, { role: 'user', content: `m${i}` });
      expect(written.status).toBeLessThan(300);
      const read = await a.get(`/sessions/${id}`).expect(200);
      expect({ i, title: read.body.title, messageCount: read.body.messageCount }).toEqual({
        i,
        title: `v${i % 2 ? i : i - 1}`,
        messageCount: Math.floor(i / 2),
      });
    }
    // Under load the tracking connection may have been renewed (copies forgotten): held again first.
    await waitFor(() => servedInProcess(one, a, id), Boolean, { what: 'an in-process copy' });
    const before = cacheOne.stats.nearHits;
    await Promise.all(Array.from({ length: 20 }, () => a.get(`/sessions/${id}`).expect(200)));
    expect(cacheOne.stats.nearHits - before).toBe(20);
  });

  it('forgets its copies on FLUSHDB, so a row changed behind the cache is read again', async () => {
    const user = newUser();
    const a = apiAs(one, user);
    const { id } = await createSession(a, { title: 'before' });
    await a.get(`/sessions/${id}`).expect(200);
    // Changed in PostgreSQL directly (an operator's fix), then the cache flushed as the runbook says.
    await one.get(DataSource).query(`UPDATE sessions SET title = 'fixed', version = version + 1 WHERE id = $1`, [id]);
    await redis.flushdb();
    await waitFor(
      async () => (await a.get(`/sessions/${id}`)).body.title,
      (title) => title === 'fixed',
      { what: 'the fixed title' },
    );
  });

  function app(instance: NestFastifyApplication): SessionCache {
    return instance.get(SessionCache);
  }
});

/** Whether a repeated read of `id` is answered by the instance's in-process copy. */
async function servedInProcess(instance: NestFastifyApplication, api: ReturnType<typeof apiAs>, id: string): Promise<boolean> {
  await api.get(`/sessions/${id}`).expect(200);
  const before = instance.get(SessionCache).stats.nearHits;
  await api.get(`/sessions/${id}`).expect(200);
  return instance.get(SessionCache).stats.nearHits > before;
}

describe('in-process copies when Redis goes away', () => {
  it("are dropped while the announcements cannot arrive, so another instance's write is never hidden", async () => {
    const proxy = await TcpProxy.start(process.env.REDIS_URL!);
    // No deliberation worker: see cache.e2e-spec.ts (BullMQ's wait outlives a close mid-reconnect).
    const cut = await createTestApp({ REDIS_URL: proxy.url(process.env.REDIS_URL!), WORKER_ENABLED: 'false' });
    const writer = await createTestApp();
    try {
      const user = newUser();
      const [reader, other] = [apiAs(cut, user), apiAs(writer, user)];
      const { id } = await createSession(reader, { title: 'old' });
      await reader.get(`/sessions/${id}`).expect(200);
      await proxy.cut();
      await other.patch(`/sessions/${id}`, { title: 'new' }).expect(200);
      expect((await reader.get(`/sessions/${id}`).expect(200)).body.title).toBe('new');
      await proxy.restore();
      // Tracking again: reads are answered in-process once more (only then could a stale copy be served).
      await waitFor(() => servedInProcess(cut, reader, id), Boolean, { what: 'tracking again' });
      await other.patch(`/sessions/${id}`, { title: 'newer' }).expect(200);
      expect((await reader.get(`/sessions/${id}`).expect(200)).body.title).toBe('newer');
    } finally {
      await Promise.all([cut.close(), writer.close()]);
      await proxy.close();
    }
  });
});

describe('in-process copies when Redis stalls', () => {
  // A Redis of its own: SIGSTOP keeps every connection open (no 'close', no reconnect), as a hung server does.
  let redis: ReadyProcess;
  let url: string;

  beforeAll(async () => {
    const port = await freePort();
    redis = await startReadyProcess('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      readyLine: 'Ready to accept connections',
    });
    url = `redis://127.0.0.1:${port}/0`;
  });
  afterAll(async () => {
    redis.child.kill('SIGCONT');
    await redis.stop('SIGKILL');
  });

  it("are not served while Redis does not answer, so another instance's write acknowledged meanwhile is never hidden", async () => {
    const env = { REDIS_URL: url, WORKER_ENABLED: 'false' }; // no BullMQ wait to outlive the stall
    const [stalled, writer] = await Promise.all([createTestApp(env), createTestApp(env)]);
    try {
      const user = newUser();
      const [reader, other] = [apiAs(stalled, user), apiAs(writer, user)];
      const { id } = await createSession(reader, { title: 'old' });
      await waitFor(() => servedInProcess(stalled, reader, id), Boolean, { what: 'an in-process copy' });
      redis.child.kill('SIGSTOP');
      // Acknowledged once PostgreSQL committed, though its copy could not reach Redis (the set timed out).
      await other.patch(`/sessions/${id}`, { title: 'new' }).expect(200);
      expect((await reader.get(`/sessions/${id}`).expect(200)).body.title).toBe('new');
      redis.child.kill('SIGCONT');
      await waitFor(() => servedInProcess(stalled, reader, id), Boolean, { what: 'tracking again' });
      expect((await reader.get(`/sessions/${id}`).expect(200)).body.title).toBe('new');
    } finally {
      redis.child.kill('SIGCONT');
      await Promise.all([stalled.close(), writer.close()]);
    }
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

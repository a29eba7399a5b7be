import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Cluster } from 'ioredis';
import { DataSource } from 'typeorm';
import { historyTailKey, RedisKeys, sessionKey } from '../src/redis/keys.js';
import type { RedisClient } from '../src/redis/redis-client.js';
import { REDIS_CLIENT } from '../src/redis/redis.constants.js';
import { apiAs, createSession, type Api, newUserApi } from './factories/api.factory.js';
import { newUser } from './factories/token.factory.js';
import { controlEnv, removeQueue, sessionIn, transitionsOf } from './utils/control.js';
import { createTestApp } from './utils/create-test-app.js';
import { type RedisClusterHarness, startRedisCluster } from './utils/redis-cluster.js';
import { baseUrlOf, SseClient } from './utils/sse-client.js';
import { useTestApp } from './utils/use-test-app.js';
import { waitFor } from './utils/wait-for.js';

/*
 * The service on a Redis Cluster of its own (three masters, three replicas: test/utils/redis-cluster.ts),
 * REDIS_CLUSTER=true with three seed nodes: the cache, the history tail, the queue and its
 * workers, live progress, cancel, events and rate limits all work through the cluster client.
 */
describe('on a Redis Cluster (REDIS_CLUSTER=true)', () => {
  let cluster: RedisClusterHarness;
  let redis: Cluster;
  // Slow rounds: a started session is still running when the test kills it. The failover's writers
  // loop as fast as the machine lets them: no rate limit in their way.
  const env = controlEnv({
    DELIBERATION_ROUNDS: '200',
    DELIBERATION_STEP_MS: '100',
    HISTORY_TAIL_CACHE_SIZE: '10',
    RATE_LIMIT_PER_MINUTE: '1000000',
  });

  beforeAll(async () => {
    cluster = await startRedisCluster();
    redis = new Cluster([{ host: '127.0.0.1', port: cluster.ports[0] }]);
  }, 90_000);

  // Stopped once the app closed (an afterAll of this describe would run before useTestApp's).
  const app = useTestApp(() => ({ ...env, REDIS_CLUSTER: 'true', REDIS_URL: cluster.url }), {
    beforeClose: removeQueue,
    afterClose: async () => {
      redis?.disconnect();
      await cluster?.stop();
    },
  });
  let api: Api;
  let user: string;

  // The cluster client learns the slots and connects to each node before it takes commands (no offline queue).
  beforeAll(() => clientReady(app));

  beforeEach(() => ({ user, api } = newUserApi(app)));

  it('caches sessions in the cluster: a cached read answers without PostgreSQL, writes go through, a delete is 404', async () => {
    const session = await createSession(api, { title: 'on a cluster', metadata: { n: 1 } });
    // A copy its replica did not confirm within REDIS_REPLICA_WAIT_MS (a loaded machine) is read from
    // PostgreSQL, as a failed cache write is: each round writes the copy again until one is served.
    let round = 0;
    await waitFor(
      async () => {
        const title = `on a cluster ${++round}`;
        await api.patch(`/sessions/${session.id}`, { title }).expect(200);
        expect(await redis.get(sessionKey(session.id))).toContain(`"${title}"`);
        await app.get(DataSource).query(`UPDATE sessions SET title = 'changed in SQL' WHERE id = $1`, [session.id]);
        return { title, served: (await api.get(`/sessions/${session.id}`).expect(200)).body.title };
      },
      ({ title, served }) => served === title,
      { timeoutMs: 30_000, intervalMs: 200, what: 'a read served by the cached copy, not PostgreSQL' },
    );

    const patched = await api.patch(`/sessions/${session.id}`, { title: 'patched' }).expect(200);
    expect(patched.body.title).toBe('patched');
    expect((await api.get(`/sessions/${session.id}`).expect(200)).body).toMatchObject({ title: 'patched', metadata: { n: 1 } });
    expect(await redis.get(sessionKey(session.id))).toContain('"patched"');

    await api.delete(`/sessions/${session.id}`).expect(204);
    await api.get(`/sessions/${session.id}`).expect(404);
  });

  it('appends and reads messages, recent pages from the tail cached in the cluster', async () => {
    const { id } = await createSession(api);
    const path = `/sessions/${id}/messages`;
    await api.post(path, { items: ['a', 'b', 'c'].map((content) => ({ role: 'user', content: { text: content } })) }).expect(201);
    await api.get(`${path}?limit=2`).expect(200); // fills the tail
    expect(await redis.lindex(historyTailKey(id), 0)).toBe('3.3');
    await app.get(DataSource).query(`UPDATE messages SET content = '"changed in SQL"' WHERE session_id = $1 AND seq = 3`, [id]);
    const cached = await api.get(`${path}?limit=2`).expect(200);
    expect(cached.text).toContain('{"text":"c"}'); // from the tail, not the changed row
    await api.post(path, { role: 'user', content: 'd' }).expect(201);
    expect(await redis.lindex(historyTailKey(id), 0)).toBe('4.4');
    expect((await api.get(`${path}?limit=2`).expect(200)).body.items.map((m: { seq: number }) => m.seq)).toEqual([3, 4]);
    expect((await api.get(`${path}?limit=100`).expect(200)).body.items).toHaveLength(4);
  });

  it('starts a run through the queue (BullMQ under a hash-tagged prefix), shows its live progress, and a kill stops it', async () => {
    const { id } = await createSession(api, { title: 'a run' });
    await api.post(`/sessions/${id}/start`).expect(202);
    await sessionIn(api, id, (s) => s.roundNumber >= 2, 'two rounds of live progress', 30_000);
    const prefix = app.get(RedisKeys).queuePrefix;
    expect(prefix).toMatch(/^\{.+\}$/);
    expect(await redis.exists(`${prefix}:deliberation:${id}`)).toBe(1); // the job, where BullMQ keeps it
    await api.post(`/sessions/${id}/kill`, { reason: 'enough' }).expect(202);
    const killed = await sessionIn(api, id, (s) => s.status === 'killed', 'killed');
    const roundAtKill = killed.roundNumber;
    const trail = await transitionsOf(api, id);
    expect(trail.map((t) => `${t.from}>${t.to}`)).toEqual(['created>running', 'running>killed']);
    // The worker heard the kill: no round is added afterwards.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect((await api.get(`/sessions/${id}`).expect(200)).body.roundNumber).toBe(roundAtKill);
  });

  it("streams a user's events, and a reconnect with Last-Event-ID gets exactly what it missed", async () => {
    const url = await baseUrlOf(app);
    const first = await SseClient.open(url, user);
    const { id } = await createSession(api);
    for (let i = 0; i < 3; i++) await api.post(`/sessions/${id}/messages`, { role: 'user', content: `m${i}` }).expect(201);
    await first.until((all) => all.length === 4, 'four events');
    first.close();
    for (let i = 3; i < 6; i++) await api.post(`/sessions/${id}/messages`, { role: 'user', content: `m${i}` }).expect(201);
    const resumed = await SseClient.open(url, user, '/events', first.lastId);
    await api.delete(`/sessions/${id}`).expect(204);
    try {
      const events = await resumed.until((all) => all.length === 5, 'the three missed and the deletion');
      expect(events.map((event) => event.data.seqs?.[0] ?? event.event)).toEqual([4, 5, 6, 'session.status', 'session.deleted']);
      expect(first.events.map((event) => event.event)).toEqual(['session.created', ...Array(3).fill('session.messages')]);
    } finally {
      resumed.close();
    }
  });

  describe('with a rate limit, on two instances', () => {
    let second: NestFastifyApplication;
    let third: NestFastifyApplication;
    const limited = { ...env, WORKER_ENABLED: 'false', RATE_LIMIT_PER_MINUTE: '6' };

    beforeAll(async () => {
      const settings = { ...limited, REDIS_CLUSTER: 'true', REDIS_URL: cluster.url };
      [second, third] = await Promise.all([createTestApp(settings), createTestApp(settings)]);
      await Promise.all([clientReady(second), clientReady(third)]);
    });
    afterAll(async () => {
      await Promise.all([second?.close(), third?.close()]);
    });

    it('counts a user across instances through the cluster and answers 429 past the limit', async () => {
      // Not across a minute's edge, where the window (and the count) starts afresh.
      const intoMinute = Date.now() % 60_000;
      if (intoMinute > 45_000) await new Promise((resolve) => setTimeout(resolve, 60_500 - intoMinute));
      for (let i = 0; i < 6; i++) await apiAs(third, user).get('/sessions').expect(200);
      await apiAs(third, user).get('/sessions').expect(429);
      const refused = await apiAs(second, user).get('/sessions').expect(429); // its first question goes to Redis
      expect(refused.body.code).toBe('RATE_LIMITED');
      await apiAs(second, newUser()).get('/sessions').expect(200);
    }, 60_000);
  });

  describe('when a master dies mid-load (SIGKILL), and its replica is promoted', () => {
    const WRITERS = 4;

    it('loses no acknowledged write, serves no stale read, and recovers: cache, queue, kills and events work again', async () => {
      const apis = Array.from({ length: WRITERS }, () => apiAs(app, newUser()));
      const ids = await Promise.all(apis.map(async (writer) => (await createSession(writer, { title: 'under load' })).id as string));
      const acked = ids.map(() => 0);
      const stale: string[] = [];
      const statuses = new Map<number, number>();
      const count = (status: number) => statuses.set(status, (statuses.get(status) ?? 0) + 1);
      let loading = true;

      // Each writer is the only one writing its session: every read after an acknowledged append must show it.
      const load = apis.map(async (writer, n) => {
        const path = `/sessions/${ids[n]}`;
        while (loading) {
          const appended = await writer.post(`${path}/messages`, { role: 'user', content: `m${acked[n] + 1}` });
          count(appended.status);
          if (appended.status === 503) expect(appended.headers['retry-after']).toBeDefined();
          else expect(appended.status).toBe(201);
          if (appended.status !== 201) continue;
          acked[n]++;
          const session = await writer.get(path);
          count(session.status);
          if (session.status === 200 && session.body.messageCount !== acked[n])
            stale.push(`${ids[n]}: messageCount ${session.body.messageCount}, acknowledged ${acked[n]}`);
          const page = await writer.get(`${path}/messages?limit=5`);
          count(page.status);
          const last = page.body.items?.at(-1);
          if (page.status === 200 && (last?.seq !== acked[n] || last?.content !== `m${acked[n]}`))
            stale.push(`${ids[n]}: last message ${JSON.stringify(last)}, acknowledged ${acked[n]}`);
        }
      });

      await waitFor(
        async () => Math.min(...acked),
        (least) => least >= 5,
        { timeoutMs: 30_000, what: 'load on every session' },
      );
      const victim = await cluster.masterOf(sessionKey(ids[0]));
      await cluster.nodes.get(victim)!.process.stop('SIGKILL');
      const killedAt = [...acked];
      // Its replica takes its slots over (after cluster-node-timeout and an election).
      await waitFor(
        () => cluster.masterOf(sessionKey(ids[0])),
        (port) => port !== victim,
        {
          timeoutMs: 60_000,
          intervalMs: 250,
          what: `a replica of :${victim} promoted`,
        },
      );
      await cluster.healthy(60_000);
      await waitFor(
        async () => acked.every((n, i) => n >= killedAt[i] + 5),
        (done) => done,
        {
          timeoutMs: 60_000,
          what: 'five more acknowledged appends on every session after the promotion',
        },
      );
      loading = false;
      await Promise.all(load);

      expect(stale).toEqual([]);
      expect([...statuses.keys()].filter((status) => status >= 500 && status !== 503)).toEqual([]);
      // Every acknowledged append is in PostgreSQL, once.
      const rows: Array<{ session_id: string; n: string; max: number }> = await app
        .get(DataSource)
        .query(`SELECT session_id, count(*) AS n, max(seq) AS max FROM messages WHERE session_id = ANY($1) GROUP BY session_id`, [ids]);
      const stored = new Map(rows.map((row) => [row.session_id, [Number(row.n), Number(row.max)]]));
      expect(ids.map((id) => stored.get(id))).toEqual(acked.map((n) => [n, n]));

      // Recovered: the cache fills again, a run starts through the queue and a kill reaches it, events flow.
      const api = apiAs(app, user);
      const url = await baseUrlOf(app);
      const events = await SseClient.open(url, user);
      try {
        // The promoted master has no replica: a copy no replica confirmed counts as a failed cache
        // write until the WAIT is skipped (docs/operations.md), so the probe writes until one stays.
        const { id } = await createSession(api, { title: 'after the failover' });
        let writes = 0;
        await waitFor(
          async () => {
            await api.patch(`/sessions/${id}`, { metadata: { writes: ++writes } }).expect(200);
            return redis.get(sessionKey(id));
          },
          // metadata is stored as its JSON text, a string inside the copy's JSON
          (copy) => copy?.includes(`\\"writes\\":${writes}`) ?? false,
          {
            timeoutMs: 60_000,
            intervalMs: 500,
            what: 'the session cached on the promoted master',
          },
        );
        await waitFor(
          async () => (await api.post(`/sessions/${id}/start`)).status,
          (status) => status === 202,
          {
            timeoutMs: 30_000,
            what: 'a start through the queue',
          },
        );
        await sessionIn(api, id, (s) => s.roundNumber >= 1, 'live progress', 60_000);
        await api.post(`/sessions/${id}/kill`).expect(202);
        await sessionIn(api, id, (s) => s.status === 'killed', 'killed');
        await events.until((all) => all.some((event) => event.data.to === 'killed'), 'the kill among the events', 30_000);
      } finally {
        events.close();
      }
      process.stderr.write(
        `failover: killed :${victim}; ${acked.reduce((a, b) => a + b, 0)} appends acknowledged, 0 lost, ${stale.length} stale; answers ${JSON.stringify(Object.fromEntries(statuses))}\n`,
      );
    }, 180_000);
  });
});

function clientReady(app: NestFastifyApplication): Promise<unknown> {
  const client = app.get<RedisClient>(REDIS_CLIENT);
  return waitFor(
    async () => client.status,
    (status) => status === 'ready',
    { timeoutMs: 20_000, what: 'the cluster client ready' },
  );
}

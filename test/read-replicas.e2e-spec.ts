import { ensureDatabase } from '../src/database/ensure-database.js';
import { runMigrations } from '../src/database/migrate.js';
import { type Api, apiAs, createSession } from './factories/api.factory.js';
import { texts } from './factories/message.factory.js';
import { newUser } from './factories/token.factory.js';
import { PgReplicaPair } from './utils/pg-replica-pair.js';
import { sqlRows } from './utils/sql.js';
import { useTestApp } from './utils/use-test-app.js';
import { waitFor } from './utils/wait-for.js';

/*
 * A real primary and streaming replica of this spec's own (test/utils/pg-replica-pair.ts, on free
 * ports): the shared server allows no replication. Which server answered a list or a
 * page is told by `X-Served-From: replica`; every answer is also checked for the user's writes.
 */
let pair: PgReplicaPair;
const DATABASE = 'session_store_replicas_test';

/** One statement on the replica, on a connection of its own (the replica is stopped and started in between). */
const onReplica = (sql: string, params: unknown[] = []): Promise<any[]> => sqlRows(sql, params, pair.replica.url(DATABASE));

beforeAll(async () => {
  pair = await PgReplicaPair.onFreePorts();
  await pair.start();
  await ensureDatabase(pair.primary.url(DATABASE));
  await runMigrations(pair.primary.url(DATABASE));
  // The database reaches the replica through the WAL like any other write.
  await waitFor(
    () =>
      onReplica('SELECT 1').then(
        () => true,
        () => false,
      ),
    (ready) => ready,
    { what: 'the database on the replica', timeoutMs: 30_000 },
  );
}, 120_000);

afterAll(() => pair?.remove());

const settings = (maxLagMs: number) => () => ({
  DATABASE_URL: pair.primary.url(DATABASE),
  DATABASE_READ_URL: pair.replica.url(DATABASE),
  READ_REPLICA_MAX_LAG_MS: String(maxLagMs),
  HISTORY_TAIL_CACHE_SIZE: '5',
});

const ids = (body: { items: Array<{ id: string }> }) => body.items.map((item) => item.id);
const seqs = (body: { items: Array<{ seq: number }> }) => body.items.map((item) => item.seq);

/** GET /sessions for `api`: must hold `expected` (the user's own writes) whoever answers; whether a replica did. */
async function listHolding(api: Api, expected: string[]): Promise<boolean> {
  const response = await api.get('/sessions?limit=100').expect(200);
  expect(ids(response.body)).toEqual(expect.arrayContaining(expected));
  return response.headers['x-served-from'] === 'replica';
}

/** A history page (before a seq, so never from the cached tail): must end at `lastSeq`; whether a replica answered. */
async function pageHolding(api: Api, id: string, lastSeq: number): Promise<boolean> {
  const response = await api.get(`/sessions/${id}/messages?limit=3&before=${lastSeq + 1}`).expect(200);
  expect(seqs(response.body).at(-1)).toBe(lastSeq);
  return response.headers['x-served-from'] === 'replica';
}

async function replay(action: 'pause' | 'resume'): Promise<void> {
  await onReplica(action === 'pause' ? 'SELECT pg_wal_replay_pause()' : 'SELECT pg_wal_replay_resume()');
  if (action === 'pause')
    await waitFor(
      async () => (await onReplica(`SELECT pg_get_wal_replay_pause_state() AS state`))[0].state,
      (state) => state === 'paused',
      { what: 'replay paused' },
    );
}

describe('Read replicas', () => {
  // A bound no test reaches: here only the users' own writes decide.
  const app = useTestApp(settings(600_000));

  it('serve lists, searches and history pages, each holding the reader’s acknowledged writes', async () => {
    const api = apiAs(app, newUser());
    const session = await createSession(api, { title: 'replicated pricing' });
    await api.post(`/sessions/${session.id}/messages`, { items: texts(6, 'm') }).expect(201);

    // Every answer holds the writes; once the replica has replayed them it answers.
    await waitFor(() => listHolding(api, [session.id]), Boolean, { what: 'a list from the replica' });
    await waitFor(() => pageHolding(api, session.id, 6), Boolean, { what: 'a page from the replica' });
    const search = await api.get('/sessions?q=pricing').expect(200);
    expect(ids(search.body)).toEqual([session.id]);
    expect(search.headers['x-served-from']).toBe('replica');
    // A GET of one session is the cache's or the primary's, never a replica's.
    expect((await api.get(`/sessions/${session.id}`).expect(200)).headers['x-served-from']).not.toBe('replica');
  });

  it('read-your-writes: with replay paused, the writer reads from the primary and others still from the replica', async () => {
    const writer = apiAs(app, newUser());
    const other = apiAs(app, newUser());
    const old = await createSession(writer);
    const theirs = await createSession(other);
    await waitFor(() => listHolding(writer, [old.id]), Boolean, { what: "the writer's list from the replica" });
    await waitFor(() => listHolding(other, [theirs.id]), Boolean, { what: "the other's list from the replica" });

    await replay('pause');
    try {
      const created = await createSession(writer, { title: 'after the pause' });
      await writer.post(`/sessions/${created.id}/messages`, { items: texts(4, 'p') }).expect(201);
      // The replica has not replayed these writes: the primary answers the writer, with them.
      expect(await listHolding(writer, [old.id, created.id])).toBe(false);
      expect(await pageHolding(writer, created.id, 4)).toBe(false);
      // Nothing of the other user's is missing on the replica: it still answers them.
      expect(await listHolding(other, [theirs.id])).toBe(true);
      expect((await onReplica('SELECT count(*)::int AS n FROM sessions WHERE id = $1', [created.id]))[0].n).toBe(0);
    } finally {
      await replay('resume');
    }
    const created = (await writer.get('/sessions?q=after%20the%20pause').expect(200)).body.items[0];
    await waitFor(() => pageHolding(writer, created.id, 4), Boolean, { what: 'the writer back on the replica' });
  });

  it('a replica stopped mid-load: every read is answered, by the primary, until it is back', async () => {
    const api = apiAs(app, newUser());
    const session = await createSession(api);
    await api.post(`/sessions/${session.id}/messages`, { items: texts(5, 'r') }).expect(201);
    await waitFor(() => pageHolding(api, session.id, 5), Boolean, { what: 'a page from the replica' });

    let stop = false;
    let answered = 0;
    const load = Promise.all(
      Array.from({ length: 4 }, async () => {
        while (!stop) {
          await listHolding(api, [session.id]);
          await pageHolding(api, session.id, 5);
          answered += 2;
        }
      }),
    );
    try {
      await waitFor(
        async () => answered,
        (n) => n >= 20,
        { what: 'load before the stop' },
      );
      await pair.replica.stop('immediate');
      const stoppedAt = answered;
      await waitFor(
        async () => answered,
        (n) => n >= stoppedAt + 40,
        { what: 'load after the stop', timeoutMs: 30_000 },
      );
    } finally {
      stop = true;
      await load;
    }
    expect(await listHolding(api, [session.id])).toBe(false);
    expect(await pageHolding(api, session.id, 5)).toBe(false);

    await pair.replica.start();
    await waitFor(() => listHolding(api, [session.id]), Boolean, { what: 'the replica answering again', timeoutMs: 30_000 });
  });
});

describe('Read replicas lagging past READ_REPLICA_MAX_LAG_MS', () => {
  const app = useTestApp(settings(300));

  it('are skipped while they lag, for every user, and used again once caught up', async () => {
    const reader = apiAs(app, newUser());
    const writer = apiAs(app, newUser());
    const session = await createSession(reader);
    await waitFor(() => listHolding(reader, [session.id]), Boolean, { what: 'the replica answering', timeoutMs: 30_000 });

    await replay('pause');
    try {
      // Someone else writes: the primary moves on, the paused replica falls behind by more than 300 ms.
      await createSession(writer);
      await waitFor(async () => !(await listHolding(reader, [session.id])), Boolean, { what: 'the lagging replica skipped' });
      expect(await pageHoldingNone(reader, session.id)).toBe(false);
    } finally {
      await replay('resume');
    }
    await waitFor(() => listHolding(reader, [session.id]), Boolean, { what: 'the replica used again', timeoutMs: 30_000 });
  });

  /** An empty history's page: whether a replica answered. */
  async function pageHoldingNone(api: Api, id: string): Promise<boolean> {
    const response = await api.get(`/sessions/${id}/messages?limit=3&before=10`).expect(200);
    expect(response.body.items).toEqual([]);
    return response.headers['x-served-from'] === 'replica';
  }
});

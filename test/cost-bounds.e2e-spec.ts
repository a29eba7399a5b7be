import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { LiveProgressFlusher } from '../src/control/live-progress/live-progress.flusher.js';
import { apiAs, createSession, type Api, newUserApi, rawAs } from './factories/api.factory.js';
import { newUser } from './factories/token.factory.js';
import { controlEnv, removeQueue } from './utils/control.js';
import { createTestApp } from './utils/create-test-app.js';
import { TcpProxy } from './utils/tcp-proxy.js';
import { useTestApp } from './utils/use-test-app.js';

const MAX_TOTAL_COST = 1e9;

/** The contract's cost bounds: totalCost ≤ 1e9, costDelta ≤ 1e6, 422 past the ceiling, nothing changed. */
describe('cost bounds', () => {
  const app = useTestApp(controlEnv({ WORKER_ENABLED: 'false' }), { beforeClose: removeQueue });
  let api: Api;
  let user: string;

  const stored = async (id: string) => {
    const [row] = await app.get(DataSource).query(`SELECT status, total_cost, phase FROM sessions WHERE id = $1`, [id]);
    return { status: row.status, totalCost: Number(row.total_cost), phase: row.phase };
  };
  const running = async () => {
    const session = await createSession(api);
    await api.post(`/sessions/${session.id}/start`).expect(202);
    return session.id as string;
  };
  const raw = (path: string, body: string) => rawAs(app, user)('post', path, body);
  // In groups, so that a run of 1001 requests neither queues them all at once nor takes long one by one.
  const inGroups = async <T>(count: number, send: (i: number) => Promise<T>, size = 50): Promise<T[]> => {
    const results: T[] = [];
    for (let start = 0; start < count; start += size) {
      results.push(...(await Promise.all(Array.from({ length: Math.min(size, count - start) }, (_, i) => send(start + i)))));
    }
    return results;
  };
  const tally = (statuses: number[]) =>
    statuses.reduce<Record<number, number>>((counts, s) => ({ ...counts, [s]: (counts[s] ?? 0) + 1 }), {});

  beforeEach(() => ({ user, api } = newUserApi(app)));

  it('1001 × progress {"costDelta":1e9}: each is a 400, nothing is recorded, and the session can still be killed', async () => {
    const id = await running();
    const statuses = await inGroups(1001, async () => (await api.post(`/sessions/${id}/progress`, { costDelta: 1e9 })).status);
    expect(tally(statuses)).toEqual({ 400: 1001 });
    expect((await api.get(`/sessions/${id}`).expect(200)).body.totalCost).toBe(0);
    await api.post(`/sessions/${id}/kill`).expect(202);
    expect(await stored(id)).toMatchObject({ status: 'killed', totalCost: 0 });
  });

  it('1001 × progress {"costDelta":1e6}, 50 at a time: exactly 1000 are 202, one is 422 COST_LIMIT_EXCEEDED, the total stops at 1e9', async () => {
    const id = await running();
    const responses = await inGroups(1001, () => api.post(`/sessions/${id}/progress`, { costDelta: 1e6 }));
    expect(tally(responses.map((response) => response.status))).toEqual({ 202: 1000, 422: 1 });
    expect(responses.find((response) => response.status === 422)!.body).toMatchObject({ statusCode: 422, code: 'COST_LIMIT_EXCEEDED' });
    expect((await api.get(`/sessions/${id}`).expect(200)).body.totalCost).toBe(MAX_TOTAL_COST);

    // At the ceiling a cost of 0 (a phase change) still counts; the smallest cost more does not.
    await api.post(`/sessions/${id}/progress`, { phase: 'at the ceiling', costDelta: 0 }).expect(202);
    await api.post(`/sessions/${id}/progress`, { costDelta: 0.000001 }).expect(422);
    await api.post(`/sessions/${id}/kill`).expect(202);
    expect(await stored(id)).toEqual({ status: 'killed', totalCost: MAX_TOTAL_COST, phase: 'at the ceiling' });
  });

  it('complete takes a totalCost of at most 1e9', async () => {
    const over = await running();
    await api.post(`/sessions/${over}/complete`, { totalCost: MAX_TOTAL_COST + 1 }).expect(400);
    expect(await stored(over)).toMatchObject({ status: 'running', totalCost: 0 });
    await api.post(`/sessions/${over}/complete`, { totalCost: MAX_TOTAL_COST }).expect(200);
    expect(await stored(over)).toMatchObject({ status: 'completed', totalCost: MAX_TOTAL_COST });
  });

  it.each([
    ['complete', '{"totalCost":-1e-7}'],
    ['complete', '{"totalCost":1e-7}'],
    ['progress', '{"costDelta":1e-7}'],
    ['progress', '{"costDelta":1.5e-7}'],
  ])('answers %s %s with 400, and nothing changes', async (route, body) => {
    const id = await running();
    const response = await raw(`/sessions/${id}/${route}`, body);
    expect({ status: response.status, code: response.body.code }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
    await app.get(LiveProgressFlusher, { strict: false }).flush();
    expect(await stored(id)).toMatchObject({ status: 'running', totalCost: 0 });
  });

  it('refuses a phase of 64 characters each followed by a variation selector (128 code points, varchar(64) holds 64)', async () => {
    const id = await running();
    await raw(`/sessions/${id}/progress`, `{"phase":"${'a\\uFE0F'.repeat(64)}"}`).expect(400);
    await api.post(`/sessions/${id}/progress`, { phase: 'p'.repeat(64), costDelta: 1 }).expect(202);
    await app.get(LiveProgressFlusher, { strict: false }).flush();
    expect(await stored(id)).toMatchObject({ status: 'running', totalCost: 1, phase: 'p'.repeat(64) });
  });
});

describe('cost bounds with Redis away (progress goes straight to PostgreSQL)', () => {
  let proxy: TcpProxy;
  let app: NestFastifyApplication;

  beforeAll(async () => {
    proxy = await TcpProxy.start(process.env.REDIS_URL!);
    app = await createTestApp(controlEnv({ WORKER_ENABLED: 'false', REDIS_URL: proxy.url(process.env.REDIS_URL!) }));
  });
  afterAll(async () => {
    await proxy.restore();
    await removeQueue(app);
    await app.close();
    await proxy.close();
  });

  it('refuses a cost that would pass 1e9 with 422 and changes nothing; one that reaches it exactly is recorded', async () => {
    const api = apiAs(app, newUser());
    const { id } = await createSession(api);
    await api.post(`/sessions/${id}/start`).expect(202);
    const db = app.get(DataSource);
    await db.query(`UPDATE sessions SET total_cost = 999999999.5 WHERE id = $1`, [id]);

    await proxy.cut();
    const refused = await api.post(`/sessions/${id}/progress`, { costDelta: 1 });
    expect({ status: refused.status, code: refused.body.code }).toEqual({ status: 422, code: 'COST_LIMIT_EXCEEDED' });
    const totalCost = async () => Number((await db.query(`SELECT total_cost FROM sessions WHERE id = $1`, [id]))[0].total_cost);
    expect(await totalCost()).toBe(999999999.5);
    await api.post(`/sessions/${id}/progress`, { costDelta: 0.5 }).expect(202);
    expect(await totalCost()).toBe(MAX_TOTAL_COST);
  });
});

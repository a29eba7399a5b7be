import { DataSource } from 'typeorm';
import type { DeliberationContext } from '../src/control/handlers/deliberation-handler.js';
import { COST_PER_ROUND, ScriptedDeliberationHandler } from '../src/control/handlers/scripted-deliberation.handler.js';
import { canTransition } from '../src/sessions/session-status.js';
import { WorkQueue } from '../src/control/queue/work.queue.js';
import type { SessionStatus } from '../src/sessions/session-status.js';
import { apiAs, createSession, type Api, newUserApi } from './factories/api.factory.js';
import { newUser } from './factories/token.factory.js';
import { controlEnv, removeQueue, sessionIn, transitionsOf } from './utils/control.js';
import { useTestApp } from './utils/use-test-app.js';
import { waitFor } from './utils/wait-for.js';

const ROUNDS = 3;

describe('control plane: start, complete, fail, transitions', () => {
  const app = useTestApp(controlEnv({ DELIBERATION_ROUNDS: String(ROUNDS) }), { beforeClose: removeQueue });
  let api: Api;
  let user: string;

  beforeEach(() => ({ user, api } = newUserApi(app)));

  it('start runs the scripted handler to completed, with its synthesis, cost and round in PostgreSQL and the audit trail', async () => {
    const session = await createSession(api, { title: 'Pricing' });
    const started = await api.post(`/sessions/${session.id}/start`).expect(202);
    expect(started.body).toMatchObject({ id: session.id, status: 'running' });
    expect(started.body.startedAt).not.toBeNull();
    expect(started.headers.etag).toMatch(/^"\d+"$/);

    const done = await sessionIn(api, session.id, (s) => s.status === 'completed', 'completed');
    expect(done).toMatchObject({ phase: 'synthesis', roundNumber: ROUNDS, messageCount: ROUNDS, error: null });
    expect(done.totalCost).toBeCloseTo(ROUNDS * COST_PER_ROUND, 6);
    expect(done.synthesisText).toContain(`${ROUNDS} rounds on Pricing`);
    expect(done.finalRecommendation).toEqual(expect.any(String));
    expect(done.endedAt).not.toBeNull();
    // The in-process worker took it: it did not wait for a worker any more.
    expect(Date.parse(done.claimedAt)).toBeGreaterThanOrEqual(Date.parse(done.startedAt));

    const [row] = await app
      .get(DataSource)
      .query(`SELECT status, phase, round_number, total_cost, synthesis_text FROM sessions WHERE id = $1`, [session.id]);
    expect(row).toMatchObject({ status: 'completed', phase: 'synthesis', round_number: ROUNDS, synthesis_text: done.synthesisText });
    expect(Number(row.total_cost)).toBeCloseTo(ROUNDS * COST_PER_ROUND, 6);

    const trail = await transitionsOf(api, session.id);
    expect(trail).toEqual([
      { from: 'created', to: 'running', actor: user, reason: null, at: expect.any(String) },
      { from: 'running', to: 'completed', actor: 'system', reason: 'the deliberation handler returned', at: expect.any(String) },
    ]);
    const messages = (await api.get(`/sessions/${session.id}/messages`).expect(200)).body.items;
    expect(messages.map((m: { role: string; seq: number }) => [m.seq, m.role])).toEqual([
      [1, 'assistant'],
      [2, 'assistant'],
      [3, 'assistant'],
    ]);
  });

  it('refuses illegal transitions with 409 INVALID_TRANSITION and the current status', async () => {
    const session = await createSession(api);
    const early = await api.post(`/sessions/${session.id}/complete`, {}).expect(409);
    expect(early.body).toEqual({
      statusCode: 409,
      error: 'Conflict',
      code: 'INVALID_TRANSITION',
      currentStatus: 'created',
      message: 'Cannot complete a session whose status is created',
    });
    await api.post(`/sessions/${session.id}/fail`, { error: 'x' }).expect(409);
    await api.post(`/sessions/${session.id}/kill`, { reason: 'not needed' }).expect(202);
    const again = await api.post(`/sessions/${session.id}/start`).expect(409);
    expect(again.body.currentStatus).toBe('killed');
    expect(await transitionsOf(api, session.id)).toEqual([
      { from: 'created', to: 'killed', actor: user, reason: 'not needed', at: expect.any(String) },
    ]);
  });

  it("validates bodies and answers 404 for unknown, malformed and other users' sessions", async () => {
    const session = await createSession(api);
    await api.post(`/sessions/${session.id}/fail`, {}).expect(400);
    await api.post(`/sessions/${session.id}/kill`, { reason: 'x'.repeat(1001) }).expect(400);
    await api.post(`/sessions/${session.id}/complete`, { totalCost: -1 }).expect(400);
    await api.post(`/sessions/${session.id}/complete`, { status: 'completed' }).expect(400);
    const stranger = apiAs(app, newUser());
    for (const path of ['start', 'kill']) await stranger.post(`/sessions/${session.id}/${path}`).expect(404);
    await stranger.get(`/sessions/${session.id}/transitions`).expect(404);
    await stranger.delete(`/sessions/${session.id}`).expect(404);
    await api.post('/sessions/00000000-0000-4000-8000-000000000000/start').expect(404);
    await api.post('/sessions/not-a-uuid/kill').expect(404);
    expect((await api.get(`/sessions/${session.id}`).expect(200)).body.status).toBe('created');
    expect(await transitionsOf(api, session.id)).toEqual([]);
  });

  it('20 concurrent start/kill/complete requests on one session: one valid path, every loser a 409, no 5xx', async () => {
    const session = await createSession(api);
    const actions = Array.from({ length: 20 }, (_, i) => ['start', 'kill', 'complete'][i % 3]);
    const responses = await Promise.all(actions.map((action) => api.post(`/sessions/${session.id}/${action}`)));

    expect(responses.every((r) => [200, 202, 409].includes(r.status))).toBe(true);
    for (const refused of responses.filter((r) => r.status === 409)) {
      expect(refused.body).toMatchObject({ code: 'INVALID_TRANSITION', currentStatus: expect.any(String) });
    }
    await sessionIn(api, session.id, (s) => s.status !== 'running', 'the run to end');
    const trail = await transitionsOf(api, session.id);
    let status: SessionStatus = 'created';
    for (const step of trail) {
      expect(step.from).toBe(status);
      expect(canTransition(step.from, step.to)).toBe(true);
      status = step.to;
    }
    const won = responses.filter((r) => r.status !== 409).length;
    expect(trail.filter((step) => step.actor === user)).toHaveLength(won);
    expect(won).toBeGreaterThanOrEqual(1);
  });
});

// No worker: a started session stays running until a client moves it, so every outcome is certain.
describe('control plane: client moves of a running session', () => {
  const app = useTestApp(controlEnv({ WORKER_ENABLED: 'false' }), { beforeClose: removeQueue });
  let api: Api;
  let user: string;

  beforeEach(() => ({ user, api } = newUserApi(app)));

  it('complete and fail from a client take their fields; a repeated start is a 409', async () => {
    const a = await createSession(api);
    await api.post(`/sessions/${a.id}/start`).expect(202);
    await api.post(`/sessions/${a.id}/start`).expect(409);
    const completed = await api.post(`/sessions/${a.id}/complete`, {
      synthesisText: 'done by hand',
      finalRecommendation: 'ship',
      totalCost: 4.5,
      roundNumber: 9,
      phase: 'manual',
    });
    expect(completed.status).toBe(200);
    expect(completed.body).toMatchObject({
      status: 'completed',
      synthesisText: 'done by hand',
      totalCost: 4.5,
      roundNumber: 9,
      phase: 'manual',
    });

    const b = await createSession(api);
    const killed = await api.post(`/sessions/${b.id}/kill`).expect(202);
    expect(killed.body).toMatchObject({ id: b.id, status: 'killed', startedAt: null });
    expect(killed.body.endedAt).not.toBeNull();
    expect(killed.headers.etag).toBe((await api.get(`/sessions/${b.id}`).expect(200)).headers.etag);
    expect((await transitionsOf(api, b.id)).map((t) => [t.from, t.to, t.actor])).toEqual([['created', 'killed', user]]);

    const c = await createSession(api);
    await api.post(`/sessions/${c.id}/start`).expect(202);
    const failed = await api.post(`/sessions/${c.id}/fail`, { error: 'model quota exhausted' }).expect(200);
    expect(failed.body).toMatchObject({ status: 'failed', error: 'model quota exhausted' });
  });

  // The contract: another user's request has no effect of any kind, live progress included.
  it.each([
    ['kill', (api: Api, id: string) => api.post(`/sessions/${id}/kill`, {})],
    ['complete', (api: Api, id: string) => api.post(`/sessions/${id}/complete`, { totalCost: 1 })],
    ['fail', (api: Api, id: string) => api.post(`/sessions/${id}/fail`, { error: 'x' })],
    ['DELETE', (api: Api, id: string) => api.delete(`/sessions/${id}`)],
  ])('%s by another user is a 404 that leaves the running session and its live progress untouched', async (_route, call) => {
    const session = await createSession(api);
    await api.post(`/sessions/${session.id}/start`).expect(202);
    await api.post(`/sessions/${session.id}/progress`, { costDelta: 1 }).expect(202);

    const refused = await call(apiAs(app, newUser()), session.id).expect(404);
    expect(refused.body.code).toBe('SESSION_NOT_FOUND');

    await api.post(`/sessions/${session.id}/progress`, { costDelta: 0.5 }).expect(202);
    expect((await api.get(`/sessions/${session.id}`).expect(200)).body).toMatchObject({ status: 'running', totalCost: 1.5 });
    expect((await transitionsOf(api, session.id)).map((t) => `${t.from}>${t.to}`)).toEqual(['created>running']);
  });
});

describe('control plane: kill and delete stop the work', () => {
  // Long runs (100 rounds of 30 ms): the kill always lands mid-run.
  const app = useTestApp(controlEnv({ DELIBERATION_ROUNDS: '100', DELIBERATION_STEP_MS: '30' }), { beforeClose: removeQueue });
  let api: Api;
  let user: string;

  beforeEach(() => ({ user, api } = newUserApi(app)));

  it("kill during a run: the handler's signal fires, nothing is appended after the kill, status killed, the job is gone", async () => {
    // The real handler, watched: every context it is given is kept, to look at its signal.
    const handler = app.get(ScriptedDeliberationHandler, { strict: false });
    const contexts: DeliberationContext[] = [];
    const run = handler.run.bind(handler);
    handler.run = (context) => (contexts.push(context), run(context));
    const session = await createSession(api);
    await api.post(`/sessions/${session.id}/start`).expect(202);
    await sessionIn(api, session.id, (s) => s.messageCount >= 2, 'two rounds');

    const killed = await api.post(`/sessions/${session.id}/kill`, { reason: 'enough' }).expect(202);
    expect(killed.body.status).toBe('killed');
    const countAtKill = killed.body.messageCount;
    const costAtKill = killed.body.totalCost;

    const context = contexts.find((ctx) => ctx.session.id === session.id)!;
    await waitFor(async () => context.signal.aborted, Boolean, { what: 'the handler signal' });
    const queue = app.get(WorkQueue, { strict: false });
    await waitFor(
      () => queue.stateOf(session.id),
      (state) => state === 'unknown',
      { what: 'the job to be gone' },
    );
    // The job is gone, so the handler has returned: whatever it could still have written is written.
    const after = (await api.get(`/sessions/${session.id}`).expect(200)).body;
    expect(after).toMatchObject({ status: 'killed', messageCount: countAtKill, totalCost: costAtKill });
    const messages = (await api.get(`/sessions/${session.id}/messages`).expect(200)).body.items;
    expect(messages).toHaveLength(countAtKill);
    await api.post(`/sessions/${session.id}/progress`, { costDelta: 1 }).expect(409);
    expect((await transitionsOf(api, session.id)).map((t) => [t.from, t.to, t.actor, t.reason])).toEqual([
      ['created', 'running', user, null],
      ['running', 'killed', user, 'enough'],
    ]);
    handler.run = run;
  });

  it('DELETE of a running session kills it first, then it answers 404', async () => {
    const session = await createSession(api);
    await api.post(`/sessions/${session.id}/start`).expect(202);
    await sessionIn(api, session.id, (s) => s.messageCount >= 1, 'a round');

    await api.delete(`/sessions/${session.id}`).expect(204);
    await api.get(`/sessions/${session.id}`).expect(404);
    await api.get(`/sessions/${session.id}/transitions`).expect(404);
    const rows = await app
      .get(DataSource)
      .query(`SELECT from_status, to_status, actor FROM session_transitions WHERE session_id = $1 ORDER BY id`, [session.id]);
    expect(rows.map((r: Record<string, string>) => `${r.from_status}>${r.to_status}`)).toEqual([
      'created>running',
      'running>killed',
      'killed>deleted',
    ]);
    const queue = app.get(WorkQueue, { strict: false });
    await waitFor(
      () => queue.stateOf(session.id),
      (state) => state === 'unknown',
      { what: 'the job to be gone' },
    );
  });
});

import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { once } from 'node:events';
import net from 'node:net';
import { LeaseBook } from '../src/remote-workers/lease.book.js';
import { API, apiAs, createSession, type Api } from './factories/api.factory.js';
import { newUser, tokenFor } from './factories/token.factory.js';
import { controlEnv, sessionIn, transitionsOf } from './utils/control.js';
import { baseUrlOf } from './utils/sse-client.js';
import { useTestApp } from './utils/use-test-app.js';
import { waitFor } from './utils/wait-for.js';
import { removeQueues, workerApi } from './utils/work.js';

const HANDLERS = ['research', 'review'];
const LEASE_SECONDS = 3;
const env = controlEnv({ REMOTE_HANDLERS: HANDLERS.join(','), WORK_LEASE_SECONDS: String(LEASE_SECONDS), MAX_RUNNING_PER_USER: '20' });

describe('remote workers over HTTP: claim, lease, heartbeat, act', () => {
  const app = useTestApp(env, { beforeClose: (a) => removeQueues(a, HANDLERS) });
  let api: Api;
  let worker: Api;

  beforeEach(() => {
    api = apiAs(app, newUser());
    worker = workerApi(app);
  });
  afterEach(() => jest.restoreAllMocks());

  async function startRemote(handler = 'research', body: object = { title: 'remote' }) {
    const session = await createSession(api, body);
    await api.post(`/sessions/${session.id}/start`, { handler }).expect(202);
    return session;
  }

  /** Claims until the session is the one leased (other tests' sessions are in other prefixes, so the first is it). */
  async function claim(handlers = ['research']) {
    const claimed = await worker.post('/work/claim', { handlers, waitSeconds: 5 }).expect(200);
    return claimed.body as { lease: { id: string; expiresAt: string }; session: Record<string, any> };
  }

  it('a worker claims the session, reports progress and messages, completes it: the lease then answers 409 and stop', async () => {
    const session = await startRemote('research', { title: 'Pricing', problemStatement: 'Which tier?', context: { market: 'EU' } });
    const { lease, session: leased } = await claim();
    expect(leased).toMatchObject({ id: session.id, status: 'running', problemStatement: 'Which tier?', context: { market: 'EU' } });
    expect(Date.parse(lease.expiresAt)).toBeGreaterThan(Date.now());

    await worker.post(`/work/${lease.id}/progress`, { phase: 'research', roundNumber: 1, costDelta: 0.5 }).expect(202);
    const appended = await worker
      .post(`/work/${lease.id}/messages`, { items: [{ role: 'assistant', content: 'found 3 sources' }] })
      .expect(201);
    expect(appended.body.items).toEqual([expect.objectContaining({ seq: 1, role: 'assistant', content: 'found 3 sources' })]);
    await worker.post(`/work/${lease.id}/messages`, { role: 'assistant', content: { type: 'note' } }).expect(201);
    const beat = await worker.post(`/work/${lease.id}/heartbeat`, {}).expect(200);
    expect(beat.body).toEqual({ stop: false, expiresAt: expect.any(String) });
    const live = (await api.get(`/sessions/${session.id}`).expect(200)).body;
    expect(live).toMatchObject({ status: 'running', phase: 'research', roundNumber: 1, totalCost: 0.5, messageCount: 2 });

    const done = await worker.post(`/work/${lease.id}/complete`, { synthesisText: 'Tier B', finalRecommendation: 'launch B' }).expect(200);
    expect(done.body).toMatchObject({ id: session.id, status: 'completed', synthesisText: 'Tier B', totalCost: 0.5 });
    expect((await transitionsOf(api, session.id)).at(-1)).toMatchObject({
      from: 'running',
      to: 'completed',
      actor: 'system',
      reason: 'the remote handler research returned',
    });

    const late = await worker.post(`/work/${lease.id}/messages`, { role: 'assistant', content: 'late' }).expect(409);
    expect(late.body).toMatchObject({ code: 'INVALID_TRANSITION', currentStatus: 'completed' });
    await worker.post(`/work/${lease.id}/progress`, { phase: 'late' }).expect(409);
    await worker.post(`/work/${lease.id}/fail`, { error: 'late' }).expect(409);
    expect((await worker.post(`/work/${lease.id}/heartbeat`, {}).expect(200)).body).toEqual({ stop: true, status: 'completed' });
    expect((await api.get(`/sessions/${session.id}`).expect(200)).body).toMatchObject({
      status: 'completed',
      messageCount: 2,
      phase: 'research',
    });
  });

  it('a started session reads as waiting for a worker (claimedAt null, in GET and the list) until a claim sets claimedAt and a new ETag', async () => {
    const session = await startRemote();
    const waiting = await api.get(`/sessions/${session.id}`).expect(200);
    expect(waiting.body).toMatchObject({ status: 'running', claimedAt: null, startedAt: expect.any(String) });
    expect((await api.get('/sessions').expect(200)).body.items).toEqual([expect.objectContaining({ id: session.id, claimedAt: null })]);

    const { session: leased } = await claim();
    expect(leased.claimedAt).toEqual(expect.any(String));
    expect(Date.parse(leased.claimedAt)).toBeGreaterThanOrEqual(Date.parse(leased.startedAt));
    const claimed = await api.get(`/sessions/${session.id}`).expect(200);
    expect(claimed.body).toMatchObject({ status: 'running', claimedAt: leased.claimedAt });
    expect(claimed.headers.etag).not.toBe(waiting.headers.etag);
    expect((await api.get('/sessions').expect(200)).body.items[0].claimedAt).toBe(leased.claimedAt);
  });

  it('fail under the lease fails the session with the worker error', async () => {
    const session = await startRemote('review');
    const { lease } = await claim(['review']);
    const failed = await worker.post(`/work/${lease.id}/fail`, { error: 'model refused' }).expect(200);
    expect(failed.body).toMatchObject({ id: session.id, status: 'failed', error: 'model refused' });
  });

  it('a kill reaches a waiting heartbeat with stop and the status; nothing under the lease is kept after it', async () => {
    const session = await startRemote();
    const { lease } = await claim();
    await worker.post(`/work/${lease.id}/messages`, { role: 'assistant', content: 'before' }).expect(201);

    const waiting = worker.post(`/work/${lease.id}/heartbeat`, { waitSeconds: 30 }).then((r) => r);
    // The heartbeat is registered once it refreshed the session's heartbeat; a kill before that is seen by its first check anyway.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const killedAt = Date.now();
    await api.post(`/sessions/${session.id}/kill`, { reason: 'enough' }).expect(202);
    const stopped = await waiting;
    console.log(`kill-to-stop of one waiting heartbeat: ${Date.now() - killedAt} ms`);
    expect(stopped.status).toBe(200);
    expect(stopped.body).toEqual({ stop: true, status: 'killed' });

    await worker.post(`/work/${lease.id}/messages`, { role: 'assistant', content: 'after' }).expect(409);
    await worker.post(`/work/${lease.id}/complete`, {}).expect(409);
    const messages = (await api.get(`/sessions/${session.id}/messages`).expect(200)).body.items;
    expect(messages.map((m: { content: unknown }) => m.content)).toEqual(['before']);
    expect((await api.get(`/sessions/${session.id}`).expect(200)).body.status).toBe('killed');
  });

  it('a lease that runs out fails its session as lost (system) within the bound, logged; every call under it is then 410 and changes nothing', async () => {
    const warnings: string[] = [];
    jest.spyOn(Logger.prototype, 'warn').mockImplementation((message: unknown) => void warnings.push(String(message)));
    const workerId = newUser('worker');
    worker = apiAs(app, workerId, ['worker']);
    const session = await startRemote();
    const { lease } = await claim();
    await worker.post(`/work/${lease.id}/messages`, { role: 'assistant', content: 'one' }).expect(201);

    const failed = await sessionIn(
      api,
      session.id,
      (s) => s.status !== 'running',
      'the lease to expire',
      (LEASE_SECONDS + 5) * 1000 + 3000,
    );
    expect(failed).toMatchObject({ status: 'failed', error: expect.stringMatching(/^worker lost: lease expired/) });
    // One line for the operator, naming the session and the worker that went silent.
    const ofSession = async () => warnings.filter((line) => line.includes(session.id));
    const logged = await waitFor(ofSession, (lines) => lines.length > 0, { timeoutMs: 2000, what: 'the lost session logged' });
    expect(logged).toHaveLength(1);
    expect(logged[0]).toContain(workerId);
    expect((await transitionsOf(api, session.id)).at(-1)).toMatchObject({
      from: 'running',
      to: 'failed',
      actor: 'system',
      reason: 'worker lost',
    });

    for (const [path, body] of [
      ['heartbeat', {}],
      ['messages', { role: 'assistant', content: 'two' }],
      ['progress', { phase: 'x' }],
      ['complete', {}],
      ['fail', { error: 'x' }],
    ] as const) {
      const gone = await worker.post(`/work/${lease.id}/${path}`, body).expect(410);
      expect(gone.body).toMatchObject({ statusCode: 410, code: 'LEASE_EXPIRED' });
    }
    expect((await api.get(`/sessions/${session.id}`).expect(200)).body).toMatchObject({ status: 'failed', messageCount: 1 });
  });

  it('a session killed before any claim is never claimed; a remote session is not run by the in-process worker', async () => {
    const session = await startRemote('review');
    await api.post(`/sessions/${session.id}/kill`).expect(202);
    await worker.post('/work/claim', { handlers: ['review'] }).expect(204);

    const waiting = await startRemote('review');
    // The in-process worker (scripted, 20 ms steps) would have finished it long ago.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await api.get(`/sessions/${waiting.id}`).expect(200)).body).toMatchObject({ status: 'running', messageCount: 0 });
    const { session: leased } = await claim(['review']);
    expect(leased.id).toBe(waiting.id);
  });

  it('a claim waits for work: a start on the handler wakes it', async () => {
    const claiming = worker.post('/work/claim', { waitSeconds: 20 }).then((r) => r);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const session = await startRemote('review');
    const claimed = await claiming;
    expect(claimed.status).toBe(200);
    expect(claimed.body.session.id).toBe(session.id);
  });

  it('a lease belongs to the worker that claimed it: under another worker every call is 404 and changes nothing', async () => {
    const session = await startRemote();
    const { lease } = await claim();
    await worker.post(`/work/${lease.id}/progress`, { phase: 'research', roundNumber: 1, costDelta: 0.5 }).expect(202);
    await worker.post(`/work/${lease.id}/messages`, { role: 'assistant', content: 'mine' }).expect(201);
    const book = app.get(LeaseBook);
    const before = await book.get(lease.id);

    const thief = workerApi(app);
    for (const [path, body] of [
      ['heartbeat', { waitSeconds: 1 }],
      ['messages', { items: [{ role: 'assistant', content: 'stolen' }] }],
      ['progress', { phase: 'stolen', roundNumber: 9, costDelta: 12345 }],
      ['complete', { synthesisText: 'stolen' }],
      ['fail', { error: 'stolen' }],
    ] as const) {
      const refused = await thief.post(`/work/${lease.id}/${path}`, body).expect(404);
      expect(refused.body).toMatchObject({ code: 'LEASE_NOT_FOUND' });
    }

    expect(await book.get(lease.id)).toEqual(before);
    expect((await api.get(`/sessions/${session.id}`).expect(200)).body).toMatchObject({
      status: 'running',
      phase: 'research',
      roundNumber: 1,
      totalCost: 0.5,
      messageCount: 1,
      synthesisText: null,
      error: null,
    });
    const messages = (await api.get(`/sessions/${session.id}/messages`).expect(200)).body.items;
    expect(messages.map((m: { content: unknown }) => m.content)).toEqual(['mine']);
    // The owner's lease is untouched: it goes on as if nothing happened.
    const done = await worker.post(`/work/${lease.id}/complete`, { synthesisText: 'Tier B' }).expect(200);
    expect(done.body).toMatchObject({ status: 'completed', synthesisText: 'Tier B', totalCost: 0.5 });
  });

  it('refuses: no worker role 403, unknown handler 400, bad waits 400, unknown or malformed lease 404', async () => {
    await api.post('/work/claim', {}).expect(403);
    const unknown = await worker.post('/work/claim', { handlers: ['scripted'] }).expect(400);
    expect(unknown.body).toMatchObject({ code: 'UNKNOWN_HANDLER', handlers: HANDLERS });
    for (const body of [
      { waitSeconds: 31 },
      { waitSeconds: -1 },
      { waitSeconds: 1.5 },
      { handlers: [] },
      { handlers: 'research' },
      { other: 1 },
    ]) {
      await worker.post('/work/claim', body).expect(400);
    }
    // Naming a handler twice would only multiply the claim's work in Redis.
    const twice = await worker.post('/work/claim', { handlers: Array.from({ length: 100 }, () => 'research') }).expect(400);
    expect(twice.body).toMatchObject({ code: 'VALIDATION_FAILED', message: ['handlers must name each handler once'] });
    await worker.post('/work/claim', { handlers: ['research', 'review', 'research'] }).expect(400);
    await worker.post('/work/claim', { handlers: ['research'] }).expect(204);
    await worker.post('/work/00000000-0000-4000-8000-000000000000/heartbeat', {}).expect(404);
    const malformed = await worker.post('/work/not-a-lease/heartbeat', {}).expect(404);
    expect(malformed.body.code).toBe('LEASE_NOT_FOUND');
    await worker.post('/work/00000000-0000-4000-8000-000000000000/heartbeat', { waitSeconds: 31 }).expect(400);
  });
});

describe('remote workers: two instances, claims at the same instant', () => {
  const one = useTestApp(env, { beforeClose: (a) => removeQueues(a, HANDLERS) });
  const two = useTestApp(env);

  it('every session is claimed exactly once though twice as many claims race on both instances', async () => {
    const api = apiAs(one, newUser());
    const sessions = await Promise.all(Array.from({ length: 8 }, () => createSession(api)));
    const claims = Array.from({ length: 16 }, (_, i) =>
      workerApi(i % 2 ? one : two)
        .post('/work/claim', { waitSeconds: 3 })
        .then((r) => r),
    );
    await Promise.all(sessions.map((s, i) => api.post(`/sessions/${s.id}/start`, { handler: HANDLERS[i % 2] }).expect(202)));

    const answers = await Promise.all(claims);
    expect(answers.every((r) => r.status === 200 || r.status === 204)).toBe(true);
    const claimed = answers.filter((r) => r.status === 200).map((r) => r.body.session.id as string);
    expect(claimed.sort()).toEqual(sessions.map((s) => s.id as string).sort());
    const leases = answers.filter((r) => r.status === 200).map((r) => r.body.lease.id as string);
    expect(new Set(leases).size).toBe(8);
  });
});

/** A claim sent on a raw socket whose worker hangs up (SIGTERM, Ctrl-C on curl) `afterMs` after sending it. */
async function hungUpClaim(url: string, token: string, body: object, afterMs: number): Promise<void> {
  const { port } = new URL(url);
  const socket = net.connect(Number(port), '127.0.0.1');
  await once(socket, 'connect');
  const json = JSON.stringify(body);
  socket.write(
    `POST ${API}/work/claim HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`,
  );
  if (afterMs > 0) await new Promise((resolve) => setTimeout(resolve, afterMs));
  socket.destroy();
}

describe('remote workers: a worker that hangs up on its claim', () => {
  const app = useTestApp(controlEnv({ REMOTE_HANDLERS: 'research', WORK_LEASE_SECONDS: String(LEASE_SECONDS) }), {
    beforeClose: (a) => removeQueues(a, ['research']),
  });
  let api: Api;
  let live: Api;
  let gone: string;

  beforeEach(() => {
    api = apiAs(app, newUser());
    live = workerApi(app);
    gone = tokenFor(newUser('worker'), { roles: ['worker'] });
  });

  async function startRemote() {
    const session = await createSession(api);
    await api.post(`/sessions/${session.id}/start`, { handler: 'research' }).expect(202);
    return session;
  }

  it('a waiting claim that hung up is handed nothing: the next session goes to the live worker waiting beside it', async () => {
    const url = await baseUrlOf(app);
    // Waiting before the live claim: were they still served, they would be woken first and take the session.
    await Promise.all([1, 2, 3].map(() => hungUpClaim(url, gone, { handlers: ['research'], waitSeconds: 30 }, 300)));
    const claiming = live.post('/work/claim', { handlers: ['research'], waitSeconds: 10 }).then((r) => r);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const session = await startRemote();

    const claimed = await claiming;
    expect(claimed.status).toBe(200);
    expect(claimed.body.session.id).toBe(session.id);
    await live.post(`/work/${claimed.body.lease.id}/complete`, {}).expect(200);
  });

  it('a claim hung up as soon as it was sent takes nothing: a waiting session goes to the next claim, not failed as lost', async () => {
    const url = await baseUrlOf(app);
    const session = await startRemote();
    // The hang-up lands before the claim looks, or while it takes the session (test/medium/work-claims covers that instant).
    await hungUpClaim(url, gone, { handlers: ['research'] }, 0);
    await new Promise((resolve) => setTimeout(resolve, 300));

    // Had the gone claim leased it, the session would fail as lost after LEASE_SECONDS and this claim would get 204.
    const claimed = await live.post('/work/claim', { handlers: ['research'], waitSeconds: 2 * LEASE_SECONDS }).expect(200);
    expect(claimed.body.session).toMatchObject({ id: session.id, status: 'running' });
    await live.post(`/work/${claimed.body.lease.id}/complete`, {}).expect(200);
  });
});

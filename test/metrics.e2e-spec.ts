import request from 'supertest';
import { apiAs, createSession } from './factories/api.factory.js';
import { newUser } from './factories/token.factory.js';
import { CleanupService } from '../src/cleanup/cleanup.service.js';
import { controlEnv, removeQueue, sessionIn } from './utils/control.js';
import { useTestApp } from './utils/use-test-app.js';

describe('GET /metrics', () => {
  const app = useTestApp(controlEnv(), { beforeClose: removeQueue });

  const value = (text: string, series: string) => {
    const line = text.split('\n').find((l) => l.startsWith(series + ' '));
    return line ? Number(line.split(' ')[1]) : undefined;
  };

  it('exposes request durations by route, cache hits, misses and errors, and pool usage, without a token', async () => {
    const api = apiAs(app, newUser());
    const { id } = await createSession(api);
    await api.get(`/sessions/${id}`).expect(200);
    await api.get(`/sessions/${id}`).expect(200);

    const response = await request(app.getHttpServer()).get('/metrics').expect(200);
    expect(response.headers['content-type']).toContain('text/plain');
    const text = response.text;
    expect(value(text, 'http_request_duration_seconds_count{method="GET",route="/api/v1/sessions/:id",status="200"}')).toBe(2);
    expect(value(text, 'http_request_duration_seconds_count{method="POST",route="/api/v1/sessions",status="201"}')).toBe(1);
    expect(value(text, 'session_cache_operations_total{result="hit"}')).toBeGreaterThanOrEqual(2);
    expect(value(text, 'session_cache_operations_total{result="error"}')).toBe(0);
    expect(value(text, 'db_pool_connections{state="total"}')).toBeGreaterThanOrEqual(1);
    expect(text).toContain('process_cpu_user_seconds_total');
  });

  it('counts cleanup passes and worker jobs by outcome', async () => {
    const api = apiAs(app, newUser());
    const { id } = await createSession(api);
    await api.post(`/sessions/${id}/start`).expect(202);
    await sessionIn(api, id, (s) => s.status === 'completed', 'completed');
    // A dry run: the test database is shared, so nothing may be removed here.
    await app.get(CleanupService).run(new Date(), { dryRun: true });

    const text = (await request(app.getHttpServer()).get('/metrics').expect(200)).text;
    expect(value(text, 'worker_jobs_total{outcome="returned"}')).toBe(1);
    expect(value(text, 'cleanup_passes_total{outcome="completed"}')).toBe(1);
  });
});

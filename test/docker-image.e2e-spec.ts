import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { mintToken } from '../src/auth/token-signer.js';
import { hostEnv, removeStages, replayDockerfile, type Stage } from './utils/dockerfile-replay.js';
import { type ReadyProcess, startReadyProcess } from './utils/ready-process.js';

const ROOT = new URL('..', import.meta.url).pathname;
const SECRET = `image-${randomUUID()}`;

/*
 * The image, without a Docker engine: both stages of the Dockerfile replayed on this machine in
 * empty folders (test/utils/dockerfile-replay.ts), then the runtime stage's CMD started as the image
 * would start it, against this run's PostgreSQL and Redis. Slow: two `npm ci` and the whole build
 * (about 3 to 6 minutes here; npm's cache on this machine is reused, offline first).
 */
describe('the Docker image, its stages replayed on the host', () => {
  let stages: Map<string, Stage>;
  let service: ReadyProcess | undefined;
  const steps: string[] = [];

  beforeAll(async () => {
    const started = Date.now();
    stages = await replayDockerfile(join(ROOT, 'Dockerfile'), {
      context: ROOT,
      runEnv: { npm_config_prefer_offline: 'true', npm_config_update_notifier: 'false' },
      log: (step) => steps.push(step),
    });
    console.log(`docker image: both stages replayed in ${Math.round((Date.now() - started) / 1000)} s`);
  }, 900_000);
  afterAll(async () => {
    await service?.stop('SIGTERM');
    if (stages) removeStages(stages);
  });

  it('builds, and its CMD serves the API, the dashboard and the health checks in production mode', async () => {
    const image = stages.get('final')!;
    expect(steps.filter((step) => step.includes(' RUN '))).toHaveLength(3);
    expect(image.cmd).toEqual(['node', 'dist/src/main.js']);
    // As `docker run -e ...` would: the image's ENV, this run's servers, a secret, a free port.
    const env: Record<string, string> = {
      ...hostEnv(),
      ...image.env,
      PORT: '0',
      DATABASE_URL: process.env.DATABASE_URL!,
      REDIS_URL: process.env.REDIS_URL!,
      AUTH_JWT_SECRET: SECRET,
      CLEANUP_CRON: 'off',
      CONTROL_KEY_PREFIX: `test-${randomUUID().slice(0, 8)}`,
      NODE_OPTIONS: '',
    };
    expect(env.NODE_ENV).toBe('production');
    service = await startReadyProcess(process.execPath, image.cmd!.slice(1), {
      cwd: image.dir,
      env,
      readyLine: 'listening on',
      timeoutMs: 60_000,
      name: 'the image',
    });
    const port = /listening on 0\.0\.0\.0:(\d+)/.exec(service.output())![1];
    const base = `http://127.0.0.1:${port}`;

    expect((await fetch(`${base}/health/live`)).status).toBe(200);
    expect((await fetch(`${base}/health/ready`)).status).toBe(200);
    const page = await fetch(`${base}/`);
    expect([page.status, (await page.text()).includes('<div id="root">')]).toEqual([200, true]);
    expect((await fetch(`${base}/favicon.ico`)).status).toBe(200);
    const created = await fetch(`${base}/api/v1/sessions`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${mintToken(`image-${randomUUID()}`, SECRET)}`, 'Content-Type': 'application/json' },
      body: '{"title":"from the image"}',
    });
    expect(created.status).toBe(201);
    // Production: no development sign-in.
    expect((await fetch(`${base}/api/v1/dev/token`, { method: 'POST' })).status).toBe(404);

    // The image's HEALTHCHECK, as Docker runs it inside the container.
    const check = spawnSync('sh', ['-c', image.healthcheck!], { env: { ...env, PORT: port }, encoding: 'utf8', timeout: 10_000 });
    expect(check.status).toBe(0);
    expect(image.exposed).toEqual([3000]);

    const exit = await service.stop('SIGTERM');
    service = undefined;
    expect(exit.code).toBe(0);
  }, 120_000);
});

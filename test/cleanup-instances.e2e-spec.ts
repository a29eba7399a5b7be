import { SchedulerRegistry } from '@nestjs/schedule';
import { spawnSync } from 'node:child_process';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { CleanupService } from '../src/cleanup/cleanup.service.js';
import { CLEANUP_LOCK } from '../src/cleanup/cleanup.repository.js';
import { CLEANUP_CRON_JOB, CleanupScheduler } from '../src/cleanup/cleanup.scheduler.js';
import { API, apiAs, createSession } from './factories/api.factory.js';
import { countSessions, seedExpiredSessions } from './factories/cleanup.factory.js';
import { newUser } from './factories/token.factory.js';
import { createTestApp } from './utils/create-test-app.js';
import { ownDatabase } from './utils/own-database.js';
import { withSql } from './utils/sql.js';
import { useTestApp } from './utils/use-test-app.js';

const HOUR = 3600_000;

// Two instances' passes racing on one database (the lock, a slot run once): test/medium/cleanup-instances.medium-spec.ts.
describe('cleanup across instances, on schedule and on demand', () => {
  let databaseUrl: string;
  const first = useTestApp(async () => {
    databaseUrl = await ownDatabase('cleanup_instances');
    return { DATABASE_URL: databaseUrl, CLEANUP_BATCH_SIZE: '10' };
  });
  let db: DataSource;
  const admin = () => apiAs(first, newUser('ops'), ['admin']);

  beforeAll(() => {
    db = first.get(DataSource);
  });
  beforeEach(() => db.query('TRUNCATE sessions, cleanup_runs CASCADE'));

  const seed = async (count: number) => {
    const user = newUser('bulk');
    await seedExpiredSessions(db, user, count, new Date(Date.now() - HOUR));
    return user;
  };

  it('while another connection holds the lock, every pass skips: the CLI, the job and the API (409)', async () => {
    await seed(3);
    // Held as another instance's pass holds it: on a session of its own, until that ends.
    await withSql(async (holder) => {
      expect((await holder.query('SELECT pg_try_advisory_lock($1) AS ok', [CLEANUP_LOCK])).rows[0].ok).toBe(true);
      expect(await first.get(CleanupService).run(new Date())).toMatchObject({ skipped: true, reason: 'locked' });
      const answer = await admin().post('/admin/cleanup', {}).expect(409);
      expect(answer.body).toMatchObject({ statusCode: 409, code: 'CLEANUP_IN_PROGRESS' });
      expect(cli([]).stdout).toContain('skipped');
    }, databaseUrl);
    expect(await first.get(CleanupService).run(new Date())).toMatchObject({ skipped: false, run: { expired: 3 } });
  });

  it('registers the pass on CLEANUP_CRON with @nestjs/schedule, and a tick runs a recorded scheduled pass', async () => {
    const scheduled = await createTestApp({ DATABASE_URL: databaseUrl, CLEANUP_CRON: '0 4 * * *' });
    try {
      const cron = scheduled.get(SchedulerRegistry).getCronJob(CLEANUP_CRON_JOB);
      expect(cron.cronTime.source).toBe('0 4 * * *');
      expect(cron.isActive).toBe(true);
      await seed(2);

      await scheduled.get(CleanupScheduler).tick();

      const { body } = await admin().get('/admin/cleanup/runs').expect(200);
      expect(body.items[0]).toMatchObject({ trigger: 'schedule', expired: 2, status: 'completed', dryRun: false });
    } finally {
      await scheduled.close();
    }
  });

  it('CLEANUP_CRON=off (as in this suite) schedules nothing on that instance', () => {
    expect(first.get(SchedulerRegistry).doesExist('cron', CLEANUP_CRON_JOB)).toBe(false);
  });

  describe('POST /admin/cleanup and GET /admin/cleanup/runs', () => {
    it('runs a pass for an admin: 200 { expired, dryRun }, a dry run first removing nothing', async () => {
      const user = await seed(4);
      const dry = await admin().post('/admin/cleanup', { dryRun: true }).expect(200);
      expect(dry.body).toEqual({ expired: 4, dryRun: true, runId: expect.any(String) });
      expect(await countSessions(db, user)).toBe(4);
      const real = await admin().post('/admin/cleanup').expect(200);
      expect(real.body).toMatchObject({ expired: 4, dryRun: false });
      expect(await countSessions(db, user)).toBe(0);

      const { body } = await admin().get('/admin/cleanup/runs?limit=5').expect(200);
      expect(body.items.map((run: { id: string }) => run.id)).toEqual([real.body.runId, dry.body.runId]);
      expect(body.items[0]).toEqual({
        id: real.body.runId,
        instance: first.get(CleanupService).instance,
        trigger: 'api',
        dryRun: false,
        cutoff: expect.any(String),
        status: 'completed',
        expired: 4,
        batches: 1,
        error: null,
        startedAt: expect.any(String),
        finishedAt: expect.any(String),
      });
    });

    it('is for admins only: a plain user gets 403 FORBIDDEN, no token 401, and nothing is removed', async () => {
      const user = await seed(2);
      const plain = apiAs(first, newUser());
      expect((await plain.post('/admin/cleanup', {}).expect(403)).body.code).toBe('FORBIDDEN');
      await plain.get('/admin/cleanup/runs').expect(403);
      await request(first.getHttpServer()).post(`${API}/admin/cleanup`).send({}).expect(401);
      await request(first.getHttpServer()).get(`${API}/admin/cleanup/runs`).expect(401);
      expect(await countSessions(db, user)).toBe(2);
    });

    it.each([
      ['a non-boolean dryRun', { dryRun: 'yes' }],
      ['an unknown field', { force: true }],
    ])('refuses %s with 400 and runs nothing', async (_label, body) => {
      await admin().post('/admin/cleanup', body).expect(400);
      expect((await db.query('SELECT count(*)::int AS n FROM cleanup_runs'))[0].n).toBe(0);
    });

    it('refuses a runs limit out of range', async () => {
      await admin().get('/admin/cleanup/runs?limit=0').expect(400);
      await admin().get('/admin/cleanup/runs?limit=101').expect(400);
    });

    it('documents both routes in the OpenAPI document', async () => {
      const { body } = await request(first.getHttpServer()).get('/docs-json').expect(200);
      expect(Object.keys(body.paths)).toEqual(
        expect.arrayContaining([`/${API.slice(1)}/admin/cleanup`, `/${API.slice(1)}/admin/cleanup/runs`]),
      );
      expect(body.components.schemas.CleanupResponse.required).toEqual(expect.arrayContaining(['expired', 'dryRun']));
    });
  });

  it('npm run cleanup -- --dry-run prints the count and exits 0; without the flag it removes them', async () => {
    const user = await seed(6);
    await createSession(apiAs(first, newUser()));
    const dry = cli(['--dry-run']);
    expect(dry.status).toBe(0);
    expect(dry.stdout).toMatch(/dry run: 6 expired sessions would be removed/);
    expect(await countSessions(db, user)).toBe(6);
    const real = cli([]);
    expect(real.status).toBe(0);
    expect(real.stdout).toMatch(/removed 6 expired sessions/);
    expect(await countSessions(db, user)).toBe(0);
  });

  // The script `npm run cleanup` runs, from the build `npm test` makes first, on this suite's database.
  function cli(args: string[]) {
    return spawnSync(process.execPath, ['dist/scripts/cleanup.js', ...args], {
      env: { ...process.env, DATABASE_URL: databaseUrl },
      encoding: 'utf8',
      timeout: 30_000,
    });
  }
});

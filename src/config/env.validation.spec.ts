import { databaseConfig } from './app.config.js';
import { validateEnv } from './env.validation.js';

describe('validateEnv', () => {
  const sut = validateEnv;

  it('accepts an empty environment: every variable has a default', () => {
    expect(() => sut({})).not.toThrow();
  });

  it('accepts REDIS_URL="" (run without a cache) and converts numbers', () => {
    const env = sut({ REDIS_URL: '', PORT: '8080', SESSION_RETENTION_DAYS: '7' });
    expect(env).toMatchObject({ REDIS_URL: '', PORT: 8080, SESSION_RETENTION_DAYS: 7 });
  });

  it('REDIS_CLUSTER=true takes seed nodes in REDIS_URL; several nodes need it, and a cluster has database 0 only', () => {
    const nodes = 'redis://:secret@10.0.0.1:6379,10.0.0.2:6380';
    expect(sut({ REDIS_CLUSTER: 'true', REDIS_URL: nodes })).toMatchObject({ REDIS_CLUSTER: true, REDIS_URL: nodes });
    expect(() => sut({ REDIS_URL: nodes })).toThrow(/REDIS_URL=.*must name one server unless REDIS_CLUSTER=true/);
    expect(() => sut({ REDIS_CLUSTER: 'true', REDIS_URL: 'redis://10.0.0.1:6379/2' })).toThrow(/database 0/);
    expect(() => sut({ REDIS_CLUSTER: 'yes' })).toThrow(/REDIS_CLUSTER="yes": must be true or false/);
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://x'],
    ['REDIS_URL', 'localhost:6379'],
    ['AUTH_JWT_SECRET', 'short'],
    ['SESSION_CACHE_TTL_SECONDS', '0'],
    ['SESSION_RETENTION_DAYS', '-1'],
    ['CLEANUP_CRON', 'nightly'],
    ['BODY_LIMIT_BYTES', '12'],
    ['MESSAGES_BODY_LIMIT_BYTES', '1023'],
    ['MESSAGES_BODY_LIMIT_BYTES', '1gb'],
    ['MESSAGES_MAX_ITEMS', '0'],
    ['MESSAGES_MAX_ITEMS', '1000001'],
    ['HISTORY_STREAM_MS_PER_MIB', '0'],
    ['NODE_ENV', 'staging'],
    ['DATABASE_POOL_SIZE', '0'],
    ['DATABASE_POOL_SIZE', '1001'],
    ['DATABASE_POOL_SIZE', 'ten'],
    ['DATABASE_QUERY_TIMEOUT_MS', '99'],
    ['DATABASE_STATEMENT_TIMEOUT_MS', '9'],
  ])('refuses %s=%s with one line naming the variable and what it must be', (name, value) => {
    expect(() => sut({ [name]: value })).toThrow(new RegExp(`^Invalid environment variable ${name}=.*: must be .+$`));
  });

  it('takes DATABASE_POOL_SIZE (default 10) into the database namespace, with a stream pool of a quarter of it', () => {
    expect(sut({}).DATABASE_POOL_SIZE).toBe(10);
    expect(databaseConfig.of(sut({ DATABASE_POOL_SIZE: '24' }))()).toMatchObject({ poolSize: 24, streamPoolSize: 6 });
    expect(databaseConfig.of(sut({ DATABASE_POOL_SIZE: '1' }))()).toMatchObject({ poolSize: 1, streamPoolSize: 1 });
  });

  it('takes the statement timeouts (10 s in PostgreSQL, 15 s on the client) into the database namespace', () => {
    expect(databaseConfig.of(sut({}))().timeouts).toEqual({ statementTimeoutMs: 10000, queryTimeoutMs: 15000 });
    expect(databaseConfig.of(sut({ DATABASE_STATEMENT_TIMEOUT_MS: '500', DATABASE_QUERY_TIMEOUT_MS: '2000' }))().timeouts).toEqual({
      statementTimeoutMs: 500,
      queryTimeoutMs: 2000,
    });
  });

  it("refuses a statement timeout that is not shorter than the client's", () => {
    for (const [statement, query] of [
      ['15000', undefined],
      ['2000', '2000'],
      ['3000', '2000'],
      [undefined, '10000'],
    ]) {
      expect(() => sut({ DATABASE_STATEMENT_TIMEOUT_MS: statement, DATABASE_QUERY_TIMEOUT_MS: query })).toThrow(
        new RegExp(
          `^Invalid environment variable DATABASE_STATEMENT_TIMEOUT_MS=${statement ?? 10000}: must be shorter than DATABASE_QUERY_TIMEOUT_MS \\(${query ?? 15000}\\), so that PostgreSQL gives up first$`,
        ),
      );
    }
    expect(sut({ DATABASE_STATEMENT_TIMEOUT_MS: '1999', DATABASE_QUERY_TIMEOUT_MS: '2000' }).DATABASE_STATEMENT_TIMEOUT_MS).toBe(1999);
  });

  it('lists every bad variable at once, one clean line each, whatever bound each one misses', () => {
    const bad = { PORT: 'abc', SESSION_RETENTION_DAYS: '-1', REDIS_URL: 'localhost:6379', WORKER_CONCURRENCY: '1000' };
    let message = '';
    try {
      sut(bad);
    } catch (error) {
      message = (error as Error).message;
    }
    const lines = message.split('\n');
    expect(lines).toHaveLength(4);
    for (const [name, value] of Object.entries(bad)) {
      expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^Invalid environment variable ${name}="${value}": must be [^\\n]+$`)));
    }
    expect(lines).toContain('Invalid environment variable PORT="abc": must be an integer from 0 to 65535');
    expect(lines).toContain('Invalid environment variable WORKER_CONCURRENCY="1000": must be an integer from 1 to 256');
  });

  it('applies one default per variable and types every value', () => {
    expect(sut({})).toMatchObject({ PORT: 3000, WORKER_ENABLED: true, DELIBERATION_HANDLER: 'scripted', CLEANUP_CRON: '0 3 * * *' });
    expect(sut({ WORKER_ENABLED: 'false', CLEANUP_BATCH_SIZE: '' })).toMatchObject({ WORKER_ENABLED: false, CLEANUP_BATCH_SIZE: 1000 });
  });

  it('never prints the secret it refuses', () => {
    expect(() => sut({ AUTH_JWT_SECRET: 'hunter2' })).toThrow(/^Invalid environment variable AUTH_JWT_SECRET=<7 characters>: must be /);
  });

  it('refuses production without AUTH_JWT_SECRET: the development default never reaches production', () => {
    expect(() => sut({ NODE_ENV: 'production' })).toThrow('AUTH_JWT_SECRET');
    expect(() => sut({ NODE_ENV: 'production', AUTH_JWT_SECRET: 'a-real-secret-of-enough-length' })).not.toThrow();
  });

  it("refuses placeholder secrets in production (the development default, .env.example's), and accepts them elsewhere", () => {
    for (const secret of ['dev-only-secret-change-me', 'change-me-to-a-long-random-secret', 'please-CHANGEME-0123456789']) {
      expect(() => sut({ NODE_ENV: 'production', AUTH_JWT_SECRET: secret })).toThrow(/AUTH_JWT_SECRET: must not be a placeholder/);
      expect(() => sut({ NODE_ENV: 'development', AUTH_JWT_SECRET: secret })).not.toThrow();
    }
  });
});

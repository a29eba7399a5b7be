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
    ['NODE_ENV', 'staging'],
  ])('refuses %s=%s with one line naming the variable and what it must be', (name, value) => {
    expect(() => sut({ [name]: value })).toThrow(new RegExp(`^Invalid environment variable ${name}=.*: must be .+$`));
  });

  it('refuses production without AUTH_JWT_SECRET: the development default never reaches production', () => {
    expect(() => sut({ NODE_ENV: 'production' })).toThrow('AUTH_JWT_SECRET');
    expect(() => sut({ NODE_ENV: 'production', AUTH_JWT_SECRET: 'a-real-secret-of-enough-length' })).not.toThrow();
  });
});

import { validateEnv } from '../config/env.validation.js';
import { assertServerDatabase, chooseBacking, type Probe } from './database-choice.js';

describe('chooseBacking', () => {
  const sut = (raw: Record<string, string>, up: string[]) => {
    const probed: string[] = [];
    const probe: Probe = (host, port) => {
      probed.push(`${host}:${port}`);
      return Promise.resolve(up.includes(`${host}:${port}`));
    };
    return chooseBacking(raw, validateEnv(raw), probe).then((backing) => ({ backing, probed }));
  };

  it('uses a DATABASE_URL that is set, without probing, even when nothing answers there', async () => {
    const { backing, probed } = await sut({ DATABASE_URL: 'postgres://db.example:5432/x' }, []);
    expect(backing).toEqual({ embeddedDatabase: false, withoutRedis: false });
    expect(probed).toEqual([]);
  });

  it('uses the default server when DATABASE_URL is unset and it answers', async () => {
    const { backing } = await sut({}, ['127.0.0.1:5432']);
    expect(backing.embeddedDatabase).toBe(false);
  });

  it('runs embedded when DATABASE_URL is unset and nothing answers on 127.0.0.1:5432, with Redis if it answers', async () => {
    expect((await sut({}, ['127.0.0.1:6379'])).backing).toEqual({ embeddedDatabase: true, withoutRedis: false });
    expect((await sut({}, [])).backing).toEqual({ embeddedDatabase: true, withoutRedis: true });
    expect((await sut({ REDIS_URL: '' }, ['127.0.0.1:6379'])).backing).toEqual({ embeddedDatabase: true, withoutRedis: true });
    expect((await sut({ REDIS_URL: 'redis://cache.example:6379/0' }, [])).backing).toEqual({ embeddedDatabase: true, withoutRedis: false });
  });

  it('runs embedded when asked (DATABASE_URL=embedded) even with a server on 127.0.0.1:5432', async () => {
    expect((await sut({ DATABASE_URL: 'embedded' }, ['127.0.0.1:5432', '127.0.0.1:6379'])).backing.embeddedDatabase).toBe(true);
  });

  it('refuses the embedded database in production, in one line saying what to set', async () => {
    const production = { NODE_ENV: 'production', AUTH_JWT_SECRET: 'a-real-secret-of-enough-length' };
    await expect(sut(production, [])).rejects.toThrow(
      /^DATABASE_URL is not set and no PostgreSQL answers on 127.0.0.1:5432: set DATABASE_URL to a PostgreSQL \(the embedded database is refused when NODE_ENV=production\)$/,
    );
    await expect(sut({ ...production, DATABASE_URL: 'embedded' }, [])).rejects.toThrow(/^DATABASE_URL=embedded: set DATABASE_URL/);
    expect((await sut(production, ['127.0.0.1:5432'])).backing.embeddedDatabase).toBe(false);
  });

  it('keeps the worker and the scripts off the embedded database (it lives inside npm start)', () => {
    expect(() => assertServerDatabase(validateEnv({ DATABASE_URL: 'embedded' }))).toThrow(/inside `npm start` only/);
    expect(() => assertServerDatabase(validateEnv({}))).not.toThrow();
  });
});

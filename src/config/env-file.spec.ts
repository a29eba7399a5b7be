import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readEnvFile } from './env-file.js';

describe('readEnvFile', () => {
  const file = (text: string) => {
    const path = join(mkdtempSync(join(tmpdir(), 'env-file-')), '.env');
    writeFileSync(path, text);
    return path;
  };

  it('sets what the environment lacks and keeps what it has (the environment wins)', () => {
    const env: Record<string, string | undefined> = { PORT: '4000' };
    const set = readEnvFile(env, file('PORT=3000\nCLEANUP_CRON="0 3 * * *"\n# a comment\nREDIS_URL=\n'));
    expect(env).toEqual({ PORT: '4000', CLEANUP_CRON: '0 3 * * *', REDIS_URL: '' });
    expect(set.sort()).toEqual(['CLEANUP_CRON', 'REDIS_URL']);
  });

  it('is no error when there is no file', () => {
    const env = {};
    expect(readEnvFile(env, join(tmpdir(), 'no-such-dir-for-env', '.env'))).toEqual([]);
    expect(env).toEqual({});
  });
});

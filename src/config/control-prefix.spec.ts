import { controlConfig } from './app.config.js';
import { validateEnv } from './env.validation.js';

describe('the control plane key prefix', () => {
  const prefixOf = (raw: Record<string, string>) => controlConfig.of(validateEnv(raw))().keyPrefix;

  it('defaults to one per database, whatever host reaches it, so databases sharing a Redis share no queue', () => {
    expect(prefixOf({ DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/session_store' })).toBe('control:session_store');
    expect(prefixOf({ DATABASE_URL: 'postgres://postgres:pw@postgres:5432/session_store' })).toBe('control:session_store');
    expect(prefixOf({ DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/other_db' })).toBe('control:other_db');
    expect(prefixOf({ DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/we%20ird%3Aname' })).toBe('control:we_ird_name');
  });

  it('uses CONTROL_KEY_PREFIX as given when it is set', () => {
    expect(prefixOf({ CONTROL_KEY_PREFIX: 'control', DATABASE_URL: 'postgres://h/other_db' })).toBe('control');
  });
});

import { sessionsConfig } from '../config/app.config.js';
import { validateEnv as sut } from '../config/env.validation.js';

describe('cleanup configuration', () => {
  it.each([
    ['CLEANUP_BATCH_SIZE', '0'],
    ['CLEANUP_BATCH_SIZE', 'many'],
    ['CLEANUP_BATCH_SIZE', '100001'],
    ['CLEANUP_CRON', '61 * * * *'],
    ['CLEANUP_CRON', 'nightly'],
    ['CLEANUP_CRON', ''],
  ])('refuses %s=%j with one line naming it and what it must be', (name, value) => {
    expect(() => sut({ [name]: value })).toThrow(new RegExp(`^Invalid environment variable ${name}=.*: must be [^\\n]+$`));
  });

  it.each([
    ['CLEANUP_BATCH_SIZE', '1'],
    ['CLEANUP_CRON', '*/10 * * * * *'],
    ['CLEANUP_CRON', '30 2 * * sun'],
    ['CLEANUP_CRON', 'off'],
  ])('accepts %s=%j', (name, value) => {
    expect(() => sut({ [name]: value })).not.toThrow();
  });

  it('defaults to batches of 1000 on the nightly 0 3 * * *', () => {
    const saved = { batch: process.env.CLEANUP_BATCH_SIZE, cron: process.env.CLEANUP_CRON };
    delete process.env.CLEANUP_BATCH_SIZE;
    delete process.env.CLEANUP_CRON;
    try {
      expect(sessionsConfig()).toMatchObject({ cleanupBatchSize: 1000, cleanupCron: '0 3 * * *' });
    } finally {
      if (saved.batch !== undefined) process.env.CLEANUP_BATCH_SIZE = saved.batch;
      if (saved.cron !== undefined) process.env.CLEANUP_CRON = saved.cron;
    }
  });
});

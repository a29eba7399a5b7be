import { WEBHOOK_ATTEMPTS, WEBHOOK_RETRY_FOR_MS, webhookRetryDelayMs } from './webhook-schedule.js';

describe('webhook retry schedule', () => {
  const delays = Array.from({ length: WEBHOOK_ATTEMPTS - 1 }, (_, i) => webhookRetryDelayMs(i + 1));

  it('retries first within 10 s, then backs off exponentially', () => {
    expect(delays[0]).toBeLessThanOrEqual(10_000);
    for (let i = 1; i < 8; i++) expect(delays[i]).toBe(2 * delays[i - 1]);
    expect(Math.max(...delays)).toBeLessThanOrEqual(3_600_000);
  });

  it('keeps trying for 24 h, and not much longer', () => {
    const total = delays.reduce((sum, delay) => sum + delay, 0);
    expect(total).toBeGreaterThanOrEqual(WEBHOOK_RETRY_FOR_MS);
    expect(total - delays.at(-1)!).toBeLessThan(WEBHOOK_RETRY_FOR_MS);
  });
});

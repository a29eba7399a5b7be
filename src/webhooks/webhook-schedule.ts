/**
 * When a delivery that was not answered 2xx is tried again: 5 s after the first attempt, doubling
 * each time up to an hour apart, until 24 h after the first attempt have passed.
 */
const FIRST_RETRY_MS = 5_000;
const MAX_GAP_MS = 3_600_000;
export const WEBHOOK_RETRY_FOR_MS = 24 * 3_600_000;

/** The wait before retry number `retry` (1 for the first retry). */
export function webhookRetryDelayMs(retry: number): number {
  return Math.min(FIRST_RETRY_MS * 2 ** Math.max(0, retry - 1), MAX_GAP_MS);
}

/** Attempts in all (the first and its retries) so that the last one comes 24 h or more after the first. */
export const WEBHOOK_ATTEMPTS = (() => {
  let elapsed = 0;
  let retries = 0;
  while (elapsed < WEBHOOK_RETRY_FOR_MS) elapsed += webhookRetryDelayMs(++retries);
  return retries + 1;
})();

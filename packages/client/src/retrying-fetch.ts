/** How long and how often a request is tried again (see retryingFetch). */
export interface RetryOptions {
  /**
   * How long after its first attempt a request may still be tried again, default 30 000 ms: longer
   * than an instance takes to restart, so a keyed write that fails after this was not written.
   */
  forMs?: number;
  /** First pause, doubled each time (with jitter), default 100 ms. */
  baseDelayMs?: number;
  /** Longest pause, also the cap on a server's Retry-After, default 2000 ms. */
  maxDelayMs?: number;
}

// Answers that say the request changed nothing: 503 (PostgreSQL away, nothing half-written; or an
// instance closing) and 429 (refused before any work). Both carry Retry-After.
const RETRY_STATUSES = new Set([429, 503]);
// Connection errors that happen before a request reaches the server, so even a write that is not
// idempotent may be sent again.
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * A request may be repeated whatever happened to the first attempt when repeating it cannot
 * change the outcome: reads, PUT and DELETE of a whole resource, and writes that carry an
 * Idempotency-Key. DELETE .../messages/last is not one: a lost answer may hide a committed pop.
 */
function isRepeatable(request: Request): boolean {
  if (request.headers.has('Idempotency-Key')) return true;
  if (request.method === 'GET' || request.method === 'HEAD' || request.method === 'PUT') return true;
  return request.method === 'DELETE' && !new URL(request.url).pathname.endsWith('/last');
}

function wasNotSent(error: unknown): boolean {
  const code = (error as { cause?: { code?: unknown } })?.cause?.code;
  return typeof code === 'string' && NOT_SENT_CODES.has(code);
}

function retryAfterMs(response: Response): number | undefined {
  const header = response.headers.get('Retry-After');
  const seconds = header === null ? NaN : Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * `fetch` that tries a request again after a network error or a 503/429, when that is safe
 * (isRepeatable, or the connection was never made), with exponential backoff and jitter,
 * honouring Retry-After, for as long as `forMs` allows. The request's body is kept (a clone per
 * attempt), so one logical write is sent with the same Idempotency-Key every time.
 */
export function retryingFetch(base: (input: Request) => Promise<Response>, options: RetryOptions = {}) {
  const { forMs = 30_000, baseDelayMs = 100, maxDelayMs = 2000 } = options;
  const delay = (attempt: number, hintMs?: number) =>
    Math.min(maxDelayMs, hintMs ?? baseDelayMs * 2 ** Math.min(attempt, 30) * (0.5 + Math.random()));

  return async (request: Request): Promise<Response> => {
    const repeatable = isRepeatable(request);
    const deadline = Date.now() + forMs;
    const over = () => Date.now() >= deadline;
    // The last attempt starts at the deadline at the latest.
    const pause = (attempt: number, hintMs?: number) => sleep(Math.min(delay(attempt, hintMs), deadline - Date.now()));
    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        response = await base(request.clone());
      } catch (error) {
        if (over() || !(repeatable || wasNotSent(error))) throw error;
        await pause(attempt);
        continue;
      }
      if (over() || !RETRY_STATUSES.has(response.status)) return response;
      await response.body?.cancel();
      await pause(attempt, retryAfterMs(response));
    }
  };
}

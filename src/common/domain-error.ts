import { HttpStatus } from '@nestjs/common';

/**
 * An expected failure with a stable machine-readable `code`. Services throw these; the one
 * exception filter turns them into NestJS's error body plus `code` and any `details`.
 */
export abstract class DomainError extends Error {
  abstract readonly code: string;
  abstract readonly status: HttpStatus;
  readonly details: Record<string, unknown> = {};
  readonly headers: Record<string, string> = {};
}

export class SessionNotFoundError extends DomainError {
  readonly code = 'SESSION_NOT_FOUND';
  readonly status = HttpStatus.NOT_FOUND;
  constructor() {
    super('Session not found');
  }
}

/** Another visible session of the same user holds the key; nothing was created. */
export class SessionKeyTakenError extends DomainError {
  readonly code = 'SESSION_KEY_TAKEN';
  readonly status = HttpStatus.CONFLICT;
  constructor() {
    super('You already have a session with this key (PUT /sessions/by-key/:key returns it); nothing was created');
  }
}

export class PreconditionFailedError extends DomainError {
  readonly code = 'PRECONDITION_FAILED';
  readonly status = HttpStatus.PRECONDITION_FAILED;
  constructor(currentEtag: string, of = 'the session') {
    super(`If-Match does not match the current ETag of ${of}; nothing was changed`);
    this.details.currentEtag = currentEtag;
  }
}

export class InvalidTransitionError extends DomainError {
  readonly code = 'INVALID_TRANSITION';
  readonly status = HttpStatus.CONFLICT;
  constructor(action: string, currentStatus: string) {
    super(`Cannot ${action} a session whose status is ${currentStatus}`);
    this.details.currentStatus = currentStatus;
  }
}

export class InvalidCursorError extends DomainError {
  readonly code = 'INVALID_CURSOR';
  readonly status = HttpStatus.BAD_REQUEST;
  constructor() {
    super('cursor is not one this service issued');
  }
}

export class UnauthenticatedError extends DomainError {
  readonly code = 'UNAUTHENTICATED';
  readonly status = HttpStatus.UNAUTHORIZED;
  readonly headers = { 'WWW-Authenticate': 'Bearer' };
}

export class ForbiddenError extends DomainError {
  readonly code = 'FORBIDDEN';
  readonly status = HttpStatus.FORBIDDEN;
}

export class DatabaseUnavailableError extends DomainError {
  readonly code = 'DATABASE_UNAVAILABLE';
  readonly status = HttpStatus.SERVICE_UNAVAILABLE;
  readonly headers = { 'Retry-After': '5' };
  constructor() {
    super('PostgreSQL is unavailable; nothing was written. Retry later.');
  }
}

/**
 * PostgreSQL's answer to a write never came (DATABASE_QUERY_TIMEOUT_MS) and whether it committed
 * could not be told: it may have been applied, whole (never in part). `settled`: PostgreSQL has
 * ended the statement, so what it holds now is final (a caller that can tell may look).
 */
export class WriteOutcomeUnknownError extends DomainError {
  readonly code = 'WRITE_OUTCOME_UNKNOWN';
  readonly status = HttpStatus.SERVICE_UNAVAILABLE;
  readonly headers = { 'Retry-After': '5' };
  constructor(readonly settled: boolean) {
    super('PostgreSQL did not answer in time: the write may have been applied. Read it back, or retry with the same Idempotency-Key.');
  }
}

export class WorkQueueUnavailableError extends DomainError {
  readonly code = 'WORK_QUEUE_UNAVAILABLE';
  readonly status = HttpStatus.SERVICE_UNAVAILABLE;
  readonly headers = { 'Retry-After': '5' };
}

/** This instance is closing: a worker's long poll is sent on to another instance at once. */
export class ShuttingDownError extends DomainError {
  readonly code = 'SHUTTING_DOWN';
  readonly status = HttpStatus.SERVICE_UNAVAILABLE;
  readonly headers = { 'Retry-After': '1' };
  constructor() {
    super('This instance is shutting down; retry on another');
  }
}

/** POST /sessions/:id/start named a handler this deployment does not register. */
export class UnknownHandlerError extends DomainError {
  readonly code = 'UNKNOWN_HANDLER';
  readonly status = HttpStatus.BAD_REQUEST;
  constructor(name: string, known: readonly string[]) {
    super(`handler ${JSON.stringify(name)} is not registered here; the handlers are: ${known.join(', ')}`);
    this.details.handlers = known;
  }
}

/** A work lease this service never issued (or forgot, a day after it ended). */
export class LeaseNotFoundError extends DomainError {
  readonly code = 'LEASE_NOT_FOUND';
  readonly status = HttpStatus.NOT_FOUND;
  constructor() {
    super('Work lease not found');
  }
}

/** A work lease that ran out: its session was failed as lost, and nothing under it changes anything any more. */
export class LeaseExpiredError extends DomainError {
  readonly code = 'LEASE_EXPIRED';
  readonly status = HttpStatus.GONE;
  constructor() {
    super('The work lease expired (no heartbeat within WORK_LEASE_SECONDS); its session was failed as lost. Nothing was changed.');
  }
}

export class CostLimitExceededError extends DomainError {
  readonly code = 'COST_LIMIT_EXCEEDED';
  readonly status = HttpStatus.UNPROCESSABLE_ENTITY;
  constructor(maxTotalCost: number) {
    super(`the cost would pass the session's ceiling of ${maxTotalCost}; nothing was recorded`);
    this.details.maxTotalCost = maxTotalCost;
  }
}

/** A user's reads of large histories beyond what one instance serves at once (MessagesService). */
/** A batch of messages over MESSAGES_MAX_ITEMS: refused before any item is read; nothing stored. */
export class TooManyItemsError extends DomainError {
  readonly code = 'TOO_MANY_ITEMS';
  readonly status = HttpStatus.PAYLOAD_TOO_LARGE;
  constructor(maxItems: number) {
    super(`A request may hold at most ${maxItems} items (MESSAGES_MAX_ITEMS); send them in several requests. Nothing was stored`);
    this.details.maxItems = maxItems;
  }
}

export class TooManyReadsError extends DomainError {
  readonly code = 'TOO_MANY_CONCURRENT_READS';
  readonly status = HttpStatus.TOO_MANY_REQUESTS;
  readonly headers = { 'Retry-After': '1' };
  constructor() {
    super('Too many reads of message histories at once; retry after the ones in progress');
  }
}

/** A user's request rate is over RATE_LIMIT_PER_MINUTE; the headers say when the window resets. */
export class RateLimitedError extends DomainError {
  readonly code = 'RATE_LIMITED';
  readonly status = HttpStatus.TOO_MANY_REQUESTS;
  constructor(
    readonly headers: Record<string, string>,
    message = 'Too many requests: the per-user rate limit is reached. Retry after the time in Retry-After.',
  ) {
    super(message);
  }
}

/*
 * Neither quota frees itself on a clock: Retry-After is a polling hint. A run usually ends within
 * seconds to minutes; kept sessions go only when the user deletes some (or they expire).
 */
const QUOTA_RETRY_AFTER_SECONDS = { MAX_SESSIONS_PER_USER: 60, MAX_RUNNING_PER_USER: 5 };

/** A per-user quota (sessions kept, runs at once) is full; nothing was changed. */
export class QuotaExceededError extends DomainError {
  readonly code = 'QUOTA_EXCEEDED';
  readonly status = HttpStatus.TOO_MANY_REQUESTS;
  constructor(quota: keyof typeof QUOTA_RETRY_AFTER_SECONDS, limit: number) {
    super(
      quota === 'MAX_SESSIONS_PER_USER'
        ? `You have ${limit} sessions, the most one user may keep: delete some first; nothing was created`
        : `You have ${limit} running sessions, the most one user may run at once: wait for one to end; nothing was started`,
    );
    this.details.quota = quota;
    this.details.limit = limit;
    this.headers['Retry-After'] = String(QUOTA_RETRY_AFTER_SECONDS[quota]);
  }
}

/** The event streams live in Redis: without it (REDIS_URL empty, or unreachable) there is nothing to serve. */
export class EventsUnavailableError extends DomainError {
  readonly code = 'EVENTS_UNAVAILABLE';
  readonly status = HttpStatus.SERVICE_UNAVAILABLE;
  readonly headers = { 'Retry-After': '5' };
  constructor(why: string) {
    super(`Events are unavailable: ${why}. Retry later (with Last-Event-ID, nothing from the last hour is missed).`);
  }
}

export class InvalidLastEventIdError extends DomainError {
  readonly code = 'INVALID_LAST_EVENT_ID';
  readonly status = HttpStatus.BAD_REQUEST;
  constructor() {
    super('Last-Event-ID must be an id this service sent (such as 1718000000000-0)');
  }
}

/** A user's open event streams are at MAX_STREAMS_PER_USER (every instance's); one must close first. */
export class TooManyStreamsError extends DomainError {
  readonly code = 'TOO_MANY_STREAMS';
  readonly status = HttpStatus.TOO_MANY_REQUESTS;
  readonly headers = { 'Retry-After': '5' };
  constructor(limit: number) {
    super(`You have ${limit} event streams open, the most one user may: close one first (one stream per page or client is enough)`);
    this.details.limit = limit;
  }
}

/** A user's forks beyond what one instance runs at once (one per user, a quarter of the pool). */
export class TooManyForksError extends DomainError {
  readonly code = 'TOO_MANY_CONCURRENT_FORKS';
  readonly status = HttpStatus.TOO_MANY_REQUESTS;
  readonly headers = { 'Retry-After': '1' };
  constructor() {
    super('Too many forks at once; retry after the ones in progress. Nothing was created');
  }
}

/** A fork's atSeq lies after the source's last message: nothing was created. */
export class ForkPointOutOfRangeError extends DomainError {
  readonly code = 'FORK_POINT_OUT_OF_RANGE';
  readonly status = HttpStatus.BAD_REQUEST;
  constructor(lastSeq: number) {
    super(
      lastSeq
        ? `atSeq must be at most ${lastSeq}, the seq of the session's last message; nothing was created`
        : 'the session has no messages: fork it without atSeq; nothing was created',
    );
    this.details.lastSeq = lastSeq;
  }
}

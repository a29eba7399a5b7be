/*
 * Failures that mean "PostgreSQL cannot serve this right now", as opposed to a bad query: it
 * cannot be reached, or it gave up on the statement (statement_timeout's cancel, a lock_timeout),
 * which rolled the statement back. A client-side timeout is here too; writes through
 * SessionWriter first settle what it left unknown (database/unanswered-statement.ts).
 */
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH']);
// connection exceptions; admin/crash shutdown, cannot connect now; query canceled; lock not available
const UNAVAILABLE_SQLSTATE = /^(08|57P0|57014$|55P03$)/;
const UNAVAILABLE_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Query read timeout|connect ECONNREFUSED|Client has encountered a connection error/i;

export function isDatabaseUnavailable(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const { code, message, driverError } = error as { code?: string; message?: string; driverError?: unknown };
  if (driverError && isDatabaseUnavailable(driverError)) return true;
  if (code && (UNAVAILABLE_CODES.has(code) || UNAVAILABLE_SQLSTATE.test(code))) return true;
  return typeof message === 'string' && UNAVAILABLE_MESSAGES.test(message);
}

// The connection itself went (reset, closed, the server shutting down), as opposed to a refused connect or a cancel.
const LOST_CODES = new Set(['ECONNRESET', 'EPIPE']);
const LOST_SQLSTATE = /^(08|57P0)/;
const LOST_MESSAGES = /Connection terminated|Client has encountered a connection error/i;

/**
 * The connection broke under a statement: sent on it, the statement may have committed (a COMMIT
 * that reached PostgreSQL stays committed whether or not its answer came back).
 */
export function isConnectionLost(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const { code, message, driverError } = error as { code?: string; message?: string; driverError?: unknown };
  if (driverError && isConnectionLost(driverError)) return true;
  if (code && (LOST_CODES.has(code) || LOST_SQLSTATE.test(code))) return true;
  return typeof message === 'string' && LOST_MESSAGES.test(message);
}

// Data the client sent that PostgreSQL refuses (validation should catch these first).
const CLIENT_DATA_SQLSTATE = new Set(['22P02', '22P05', '22001', '22003', '22021', '22007', '22008']);

export function isClientDataError(error: unknown): boolean {
  const code = (error as { code?: string; driverError?: { code?: string } })?.driverError?.code ?? (error as { code?: string })?.code;
  return !!code && CLIENT_DATA_SQLSTATE.has(code);
}

// Data exceptions, integrity constraints, exceptions raised by triggers: about a row's data.
const ROW_REFUSED_SQLSTATE = /^(22|23|P0)/;

/**
 * PostgreSQL refused a statement because of the data of a row it touched: the same statement
 * fails again for that row, and only for it. Background jobs set such a session aside and go on;
 * anything else (an outage, a timeout, a deadlock, a bug) stops the pass, to be retried whole.
 */
export function isRowRefused(error: unknown): boolean {
  const code = (error as { driverError?: { code?: string } })?.driverError?.code ?? (error as { code?: string })?.code;
  return typeof code === 'string' && ROW_REFUSED_SQLSTATE.test(code);
}

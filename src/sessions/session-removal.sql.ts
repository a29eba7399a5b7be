/*
 * The cleanup's statements on `sessions`: what a pass removes is deleted sessions, and expired
 * ones (expires_at reached) unless still running. Statuses arrive as parameters (session-status.ts).
 * Removed in two sweeps, each served by an index; one batch is one statement, so one short
 * transaction, and child rows go by ON DELETE CASCADE. SKIP LOCKED passes over rows a request is
 * writing: the pass never waits behind traffic, nor traffic behind it for longer than one batch.
 */

/** Counted as one predicate. $1 the cutoff, $2 'deleted', $3 'running'. */
export const COUNT_REMOVABLE = `SELECT count(*)::int AS n FROM sessions WHERE status = $2 OR (expires_at <= $1 AND status <> $3)`;

// $1 the batch size, $2 the ids set aside (CleanupBatchRunner), $3 'deleted' / the cutoff, $4 'running'.
const MARKED_DELETED = `SELECT id FROM sessions WHERE status = $3 AND id <> ALL($2::uuid[])`;
// Ordered by expires_at so that the expiry index serves the batch and the scan stops after it.
const EXPIRED_NOT_RUNNING = `SELECT id FROM sessions WHERE expires_at <= $3 AND status <> $4 AND id <> ALL($2::uuid[]) ORDER BY expires_at`;

const removing = (select: string) => `WITH doomed AS (${select}) DELETE FROM sessions s USING doomed WHERE s.id = doomed.id RETURNING s.id`;

export const FIND_MARKED_DELETED = `${MARKED_DELETED} LIMIT $1`;
export const REMOVE_MARKED_DELETED = removing(`${MARKED_DELETED} LIMIT $1 FOR UPDATE SKIP LOCKED`);
export const FIND_EXPIRED = `${EXPIRED_NOT_RUNNING} LIMIT $1`;
export const REMOVE_EXPIRED = removing(`${EXPIRED_NOT_RUNNING} LIMIT $1 FOR UPDATE SKIP LOCKED`);
/** One session, if a pass as of $2 still would remove it. $3 'deleted', $4 'running'. */
export const REMOVE_ONE = removing(
  `SELECT id FROM sessions WHERE id = $1 AND (status = $3 OR (expires_at <= $2 AND status <> $4)) FOR UPDATE SKIP LOCKED`,
);

/*
 * The `X-Served-From` header: which copy answered a read when it was not the primary. Absent when
 * PostgreSQL's primary answered. Documented in docs/api.md.
 */
export const SERVED_FROM_HEADER = 'X-Served-From';

/** GET /sessions/:id, or GET .../messages?limit=N from the history's cached tail: the cache alone answered (also while PostgreSQL is unreachable). */
export const SERVED_FROM_CACHE = 'cache';

/** A list, search or history page a read replica answered (DATABASE_READ_URL); it holds the reader's own writes. */
export const SERVED_FROM_REPLICA = 'replica';

export type ServedFrom = typeof SERVED_FROM_CACHE | typeof SERVED_FROM_REPLICA;

/** The header in an OpenAPI response's `headers`. */
export const SERVED_FROM_OPENAPI = {
  [SERVED_FROM_HEADER]: {
    description:
      '`cache`: answered by the cache alone, as current as PostgreSQL (also while PostgreSQL is unreachable); ' +
      "`replica`: answered by a read replica that holds the reader's own writes; absent: the primary answered",
    required: false,
    schema: { type: 'string', enum: [SERVED_FROM_CACHE, SERVED_FROM_REPLICA] },
  },
};

import type { SessionStatus } from '../api/types';

/** The status as a coloured badge (colours in styles.css, `.badge-<status>`); the text carries it too. */
export function StatusBadge({ status }: { status: SessionStatus }) {
  return (
    <span className={`badge badge-${status}`} data-status={status}>
      {status}
    </span>
  );
}

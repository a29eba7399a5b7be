import type { SessionStatus } from '../api/types';

/**
 * The status as a coloured badge (colours in styles.css, `.badge-<status>`); the text carries it
 * too. `waiting`: running, but no worker has taken its work yet (see isWaitingForWorker).
 */
export function StatusBadge({ status, waiting = false }: { status: SessionStatus; waiting?: boolean }) {
  if (waiting)
    return (
      <span className="badge badge-waiting" data-status={status} title="Running, but no worker has taken its work yet">
        waiting for a worker
      </span>
    );
  return (
    <span className={`badge badge-${status}`} data-status={status}>
      {status}
    </span>
  );
}

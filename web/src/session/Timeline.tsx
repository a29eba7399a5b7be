import type { Transition } from '../api/types';
import { formatDate } from '../ui/format';
import { StatusBadge } from '../ui/StatusBadge';

/** The audit trail, oldest first: who moved the session where, when and why. */
export function Timeline({ items }: { items: Transition[] }) {
  if (!items.length) return <p className="muted">No transitions yet.</p>;
  return (
    <ol className="timeline">
      {items.map((item, index) => (
        <li key={index}>
          <time dateTime={item.at}>{formatDate(item.at)}</time>
          <span>
            {item.from ? <StatusBadge status={item.from} /> : <span className="muted">new</span>} → <StatusBadge status={item.to} />
          </span>
          <span className="muted">by {item.actor}</span>
          {item.reason && <q>{item.reason}</q>}
        </li>
      ))}
    </ol>
  );
}

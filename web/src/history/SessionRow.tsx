import type { Session } from '../api/types';
import { sessionHref } from '../app/route';
import { Controls } from '../control/Controls';
import { Ago } from '../ui/Ago';
import { formatCost, formatDate } from '../ui/format';
import { isWaitingForWorker } from '../ui/session-state';
import { StatusBadge } from '../ui/StatusBadge';

interface Props {
  session: Session;
  onChange: (session: Session | null) => void;
  onRefresh: () => Promise<void>;
}

/** One session of the history; at narrow widths the row becomes a three-line card (classes and data-label, styles.css). */
export function SessionRow({ session, onChange, onRefresh }: Props) {
  return (
    <tr data-session-id={session.id}>
      <td data-label="Status" className="status">
        <StatusBadge status={session.status} waiting={isWaitingForWorker(session)} />
      </td>
      <td data-label="Title" className="title">
        <a href={sessionHref(session.id)}>{session.title || <em>untitled</em>}</a>
      </td>
      <td data-label="Phase" className="phase">
        {session.phase ?? '—'}
      </td>
      <td data-label="Round" className="num round">
        {session.roundNumber}
      </td>
      <td data-label="Cost" className="num cost">
        {formatCost(session.totalCost)}
      </td>
      <td data-label="Messages" className="num count">
        {session.messageCount}
      </td>
      <td data-label="Created" className="created">
        <time dateTime={session.createdAt}>{formatDate(session.createdAt)}</time>
      </td>
      <td data-label="Last activity" className="activity">
        <Ago iso={session.lastActivityAt} />
      </td>
      <td className="row-actions">
        <Controls session={session} onChange={onChange} onRefresh={onRefresh} compact />
      </td>
    </tr>
  );
}

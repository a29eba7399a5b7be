import type { Session } from '../api/types';
import { sessionHref } from '../app/route';
import { Controls } from '../control/Controls';
import { formatAgo, formatCost, formatDate } from '../ui/format';
import { StatusBadge } from '../ui/StatusBadge';

interface Props {
  session: Session;
  onChange: (session: Session | null) => void;
  onRefresh: () => Promise<void>;
}

/** One session of the history; at narrow widths the cells stack with their labels (data-label, styles.css). */
export function SessionRow({ session, onChange, onRefresh }: Props) {
  return (
    <tr data-session-id={session.id}>
      <td data-label="Status">
        <StatusBadge status={session.status} />
      </td>
      <td data-label="Title" className="title">
        <a href={sessionHref(session.id)}>{session.title || <em>untitled</em>}</a>
      </td>
      <td data-label="Phase" className="phase">
        {session.phase ?? '—'}
      </td>
      <td data-label="Round" className="num">
        {session.roundNumber}
      </td>
      <td data-label="Cost" className="num">
        {formatCost(session.totalCost)}
      </td>
      <td data-label="Messages" className="num">
        {session.messageCount}
      </td>
      <td data-label="Created">
        <time dateTime={session.createdAt}>{formatDate(session.createdAt)}</time>
      </td>
      <td data-label="Last activity">
        <time dateTime={session.lastActivityAt} title={formatDate(session.lastActivityAt)}>
          {formatAgo(session.lastActivityAt)}
        </time>
      </td>
      <td className="row-actions">
        <Controls session={session} onChange={onChange} onRefresh={onRefresh} compact />
      </td>
    </tr>
  );
}

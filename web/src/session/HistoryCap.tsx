import type { HistoryLimit, Session } from '../api/types';
import { countOf } from '../ui/format';

/** "3 messages, bytes: server default": the session's own bounds (null: the server's default; 0: no bound, left out). */
function capOf(limit: HistoryLimit): string {
  const bound = (value: number | null, noun: string) =>
    value === null ? `${noun}s: server default` : value === 0 ? '' : countOf(value, noun);
  return [bound(limit.maxMessages, 'message'), bound(limit.maxBytes, 'byte')].filter(Boolean).join(', ') || 'none';
}

/** What the history cap removed from the transcript's start, and the cap; shown once it trimmed something. */
export function HistoryCap({ session }: { session: Session }) {
  if (!session.historyLimit || !session.trimmedThroughSeq) return null;
  return (
    <p className="muted history-cap" role="note">
      Messages through #{session.trimmedThroughSeq} were trimmed by the history cap (cap: {capOf(session.historyLimit)}).
    </p>
  );
}

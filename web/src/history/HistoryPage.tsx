import { useEffect, useRef, useState } from 'react';
import { sessionStatuses } from '@session-store/client';
import type { SessionStatus } from '../api/types';
import { Alert } from '../ui/Alert';
import { ExportSessions } from './ExportSessions';
import { countOf } from '../ui/format';
import { MessageSearch } from './MessageSearch';
import { NewSession } from './NewSession';
import { SessionRow } from './SessionRow';
import { type Filter, useHistory } from './use-history';

const SEARCH_DELAY_MS = 300;

/** The signed-in person's sessions, newest first: filter, search, more on scroll, live rows. */
export function HistoryPage() {
  const [status, setStatus] = useState<SessionStatus | ''>('');
  const [typed, setTyped] = useState('');
  const [filter, setFilter] = useState<Filter>({ status: '', q: '' });
  useEffect(() => {
    const q = typed.trim();
    const apply = () => setFilter((current) => (current.status === status && current.q === q ? current : { status, q }));
    const timer = window.setTimeout(apply, SEARCH_DELAY_MS);
    return () => window.clearTimeout(timer);
  }, [typed, status]);
  const history = useHistory(filter);
  const sentinel = useInfiniteScroll(() => void history.loadMore(), !!history.nextCursor && !history.loading);
  const filtered = !!(filter.status || filter.q);

  return (
    <section aria-labelledby="history-title">
      <div className="toolbar">
        <h1 id="history-title">Sessions</h1>
        <div className="toolbar-actions">
          <ExportSessions />
          <NewSession onCreated={(session) => history.replace(session.id, session, true)} />
        </div>
      </div>
      <form className="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <label>
          <span>Status</span>
          <select value={status} onChange={(e) => setStatus(e.target.value as SessionStatus | '')} name="status">
            <option value="">all (not deleted)</option>
            {sessionStatuses.map((value) => (
              <option key={value} value={value}>
                {value}
              </option>
            ))}
          </select>
        </label>
        <label className="grow">
          <span>Title contains</span>
          <input
            type="search"
            value={typed}
            onChange={(e) => setTyped(e.target.value)}
            maxLength={200}
            name="q"
            placeholder="Search titles"
          />
        </label>
      </form>
      <MessageSearch />
      <Alert message={history.error} onRetry={() => void (history.items.length ? history.loadMore() : history.reload())} />
      {history.loaded && history.items.length === 0 && !history.error && (
        <p className="empty">{filtered ? 'No session matches this filter.' : 'No sessions yet. Create one above, or through the API.'}</p>
      )}
      {history.items.length > 0 && (
        <table className="sessions" aria-label="Sessions, newest first" aria-busy={history.loading}>
          <thead>
            <tr>
              <th scope="col">Status</th>
              <th scope="col">Title</th>
              <th scope="col">Phase</th>
              <th scope="col">Round</th>
              <th scope="col">Cost</th>
              <th scope="col">Messages</th>
              <th scope="col">Created</th>
              <th scope="col">Last activity</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {history.items.map((session) => (
              <SessionRow
                key={session.id}
                session={session}
                onChange={(next) => history.replace(session.id, next)}
                onRefresh={() => history.refresh(session.id)}
              />
            ))}
          </tbody>
        </table>
      )}
      {history.loading && (
        <p className="loading" role="status">
          Loading sessions…
        </p>
      )}
      {history.nextCursor && !history.loading && (
        <button type="button" className="more" ref={sentinel} onClick={() => void history.loadMore()}>
          Load more sessions
        </button>
      )}
      {history.loaded && !history.nextCursor && history.items.length > 0 && (
        <p className="end">{countOf(history.items.length, 'session')} shown: that is all.</p>
      )}
    </section>
  );
}

/** Calls `onVisible` when the returned element scrolls into view (the "more" button doubles as the sentinel). */
export function useInfiniteScroll(onVisible: () => void, enabled: boolean) {
  const element = useRef<HTMLButtonElement | null>(null);
  const callback = useRef(onVisible);
  callback.current = onVisible;
  useEffect(() => {
    if (!enabled || !element.current) return;
    const observer = new IntersectionObserver((entries) => entries.some((entry) => entry.isIntersecting) && callback.current(), {
      rootMargin: '200px',
    });
    observer.observe(element.current);
    return () => observer.disconnect();
  }, [enabled]);
  return element;
}

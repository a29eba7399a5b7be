import { useEffect, useState } from 'react';
import { sessionHref } from '../app/route';
import { Alert } from '../ui/Alert';
import { countOf, formatDate } from '../ui/format';
import { highlight } from './highlight';
import { bySession, MIN_QUERY, useMessageSearch } from './use-message-search';

const SEARCH_DELAY_MS = 300;

/** The transcript search box and its results by session; a result opens its session at that message. */
export function MessageSearch() {
  const [typed, setTyped] = useState('');
  const [q, setQ] = useState('');
  useEffect(() => {
    const timer = window.setTimeout(() => setQ(typed.trim()), SEARCH_DELAY_MS);
    return () => window.clearTimeout(timer);
  }, [typed]);
  const search = useMessageSearch(q);
  const groups = bySession(search.items);

  return (
    <section className="message-search">
      <form role="search" className="filters" onSubmit={(e) => e.preventDefault()}>
        <label className="grow">
          <span>Search transcripts</span>
          <input
            type="search"
            value={typed}
            onChange={(e) => setTyped(e.target.value)}
            maxLength={200}
            name="messages-q"
            placeholder="Words in any message"
          />
        </label>
      </form>
      {q.length > 0 && q.length < MIN_QUERY && <p className="muted">Type at least {MIN_QUERY} characters.</p>}
      <Alert message={search.error} onRetry={() => void search.loadMore()} />
      {q.length >= MIN_QUERY && !search.loading && !search.error && search.items.length === 0 && (
        <p className="empty">No message contains “{q}”.</p>
      )}
      {groups.length > 0 && (
        <ol className="search-results" aria-label={`Messages containing ${q}, by session`}>
          {groups.map((group) => (
            <li key={group.sessionId} className="search-group" data-session-id={group.sessionId}>
              <h2>
                <a href={sessionHref(group.sessionId)}>{group.title || <em>untitled</em>}</a>{' '}
                <span className="muted">{countOf(group.hits.length, 'match', 'matches')}</span>
              </h2>
              <ul>
                {group.hits.map((hit) => (
                  <li key={hit.seq} data-seq={hit.seq}>
                    <a href={sessionHref(hit.sessionId, hit.seq)} className="search-hit">
                      <span className="muted">
                        <span className="role">{hit.role}</span> #{hit.seq} · {formatDate(hit.createdAt)}
                      </span>
                      <span className="snippet">
                        {highlight(hit.snippet, q).map((piece, index) => (piece.hit ? <mark key={index}>{piece.text}</mark> : piece.text))}
                      </span>
                    </a>
                  </li>
                ))}
              </ul>
            </li>
          ))}
        </ol>
      )}
      {search.loading && (
        <p className="loading" role="status">
          Searching…
        </p>
      )}
      {search.nextCursor && !search.loading && (
        <button type="button" className="more" onClick={() => void search.loadMore()}>
          More matches
        </button>
      )}
    </section>
  );
}

import { useLayoutEffect, useRef } from 'react';
import { Controls } from '../control/Controls';
import { useInfiniteScroll } from '../history/HistoryPage';
import { Alert } from '../ui/Alert';
import { Ago } from '../ui/Ago';
import { formatCost, formatDate } from '../ui/format';
import { isWaitingForWorker } from '../ui/session-state';
import { StatusBadge } from '../ui/StatusBadge';
import { ForkedFrom } from './ForkedFrom';
import { HistoryCap } from './HistoryCap';
import { MessageItem } from './MessageItem';
import { Timeline } from './Timeline';
import { useFork } from './use-fork';
import { useSession } from './use-session';
import { useShownMessage } from './use-shown-message';

/**
 * One session: live progress, controls, transcript (older messages on scroll up, "Fork from here"
 * on each) and audit trail. `seq`: a message to scroll to and mark (a search result's).
 */
export function SessionPage({ id, seq }: { id: string; seq?: number }) {
  const detail = useSession(id);
  const older = useInfiniteScroll(() => void detail.loadOlder(), detail.olderBefore !== null && !detail.loadingOlder);
  const transcript = useKeepScroll(detail.messages[0]?.seq);
  const fork = useFork(id);
  useShownMessage(seq, detail);
  const { session } = detail;

  if (detail.gone)
    return (
      <section>
        <p className="empty" role="status">
          This session does not exist, or was deleted. <a href="#/">Back to sessions</a>
        </p>
      </section>
    );
  return (
    <section aria-labelledby="session-title" className="session">
      <p>
        <a href="#/">← Sessions</a>
      </p>
      <Alert message={detail.error} onRetry={() => void detail.refresh()} />
      {!session ? (
        !detail.error && (
          <p className="loading" role="status">
            Loading session…
          </p>
        )
      ) : (
        <>
          <div className="session-head">
            <h1 id="session-title">{session.title || <em>untitled</em>}</h1>
            <StatusBadge status={session.status} waiting={isWaitingForWorker(session)} />
          </div>
          {session.forkedFrom && <ForkedFrom source={session.forkedFrom} />}
          {isWaitingForWorker(session) && (
            <p className="muted" role="status">
              Started, but no worker has taken it yet: it runs once a worker for its handler claims it.
            </p>
          )}
          {session.problemStatement && <p className="problem">{session.problemStatement}</p>}
          <dl className="progress" aria-live="polite">
            <div className="phase-card">
              <dt>Phase</dt>
              <dd data-field="phase">{session.phase ?? '—'}</dd>
            </div>
            <div>
              <dt>Round</dt>
              <dd data-field="round">{session.roundNumber}</dd>
            </div>
            <div>
              <dt>Cost</dt>
              <dd data-field="cost">{formatCost(session.totalCost)}</dd>
            </div>
            <div>
              <dt>Messages</dt>
              <dd>{session.messageCount}</dd>
            </div>
            <div>
              <dt>Created</dt>
              <dd>{formatDate(session.createdAt)}</dd>
            </div>
            <div>
              <dt>Last activity</dt>
              <dd>
                <Ago iso={session.lastActivityAt} />
              </dd>
            </div>
          </dl>
          {session.error && <p className="alert">Failed: {session.error}</p>}
          {session.finalRecommendation && (
            <p className="result">
              <strong>Recommendation:</strong> {session.finalRecommendation}
            </p>
          )}
          <Controls session={session} onChange={detail.setSession} onRefresh={detail.refresh} />
        </>
      )}
      <div className="columns">
        <section aria-labelledby="transcript-title" className="transcript" ref={transcript}>
          <h2 id="transcript-title">Transcript</h2>
          <Alert message={fork.error} />
          {session && <HistoryCap session={session} />}
          {detail.olderBefore !== null && (
            <button type="button" className="more" ref={older} disabled={detail.loadingOlder} onClick={() => void detail.loadOlder()}>
              {detail.loadingOlder ? 'Loading older messages…' : 'Load older messages'}
            </button>
          )}
          {detail.messages.length === 0 ? (
            <p className="muted">No messages yet.</p>
          ) : (
            <ol className="messages">
              {detail.messages.map((message) => (
                <MessageItem
                  key={message.seq}
                  message={message}
                  marked={message.seq === seq}
                  onFork={() => void fork.forkAt(message.seq)}
                  forking={fork.forkingAt !== null}
                />
              ))}
            </ol>
          )}
        </section>
        <section aria-labelledby="trail-title" className="trail">
          <h2 id="trail-title">Audit trail</h2>
          <Timeline items={detail.transitions} />
        </section>
      </div>
    </section>
  );
}

/**
 * Older messages are added above what the person reads: the page is scrolled down by what was
 * added, so the message in view stays in view.
 */
function useKeepScroll(firstSeq: number | undefined) {
  const element = useRef<HTMLElement>(null);
  const previous = useRef<{ seq: number | undefined; height: number }>({ seq: undefined, height: 0 });
  useLayoutEffect(() => {
    const height = document.documentElement.scrollHeight;
    const before = previous.current;
    if (before.seq !== undefined && firstSeq !== undefined && firstSeq < before.seq) window.scrollBy(0, height - before.height);
    previous.current = { seq: firstSeq, height };
  }, [firstSeq]);
  return element;
}

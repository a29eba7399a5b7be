import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError } from '../api/client';
import type { Message, Session, Transition } from '../api/types';
import { useSigned } from '../app/context';
import { isWaitingForWorker } from '../ui/session-state';

const PAGE = 50;
// While the events stream is down, a running session is read this often instead.
const POLL_MS = 2000;
// Live progress arrives often while running: one read per window.
const COALESCE_MS = 150;

export interface SessionDetail {
  session: Session | null;
  gone: boolean;
  error: string | null;
  messages: Message[];
  olderBefore: number | null;
  loadingOlder: boolean;
  transitions: Transition[];
}

/**
 * One session, its transcript (latest page first, older pages on demand by `before`) and its audit
 * trail, kept live by the events that name it. New messages are read as the latest page and merged
 * by seq; a seq at or below what is shown (a replaced history) reloads the transcript.
 */
export function useSession(id: string) {
  const { api, events } = useSigned();
  const [detail, setDetail] = useState<SessionDetail>({
    session: null,
    gone: false,
    error: null,
    messages: [],
    olderBefore: null,
    loadingOlder: false,
    transitions: [],
  });
  const lastSeq = useRef(0);

  const failed = useCallback((error: unknown) => {
    if (error instanceof ApiError && error.status === 404) setDetail((d) => ({ ...d, gone: true, session: null }));
    else setDetail((d) => ({ ...d, error: (error as Error).message }));
  }, []);

  const readSession = useCallback(async () => {
    try {
      const [session, trail] = await Promise.all([api.getSession(id), api.transitions(id)]);
      setDetail((d) => ({ ...d, session, transitions: trail.items, error: null }));
    } catch (error) {
      failed(error);
    }
  }, [api, id, failed]);

  const readLatest = useCallback(
    async (merge: boolean) => {
      try {
        const page = await api.messages(id, { limit: PAGE });
        setDetail((d) => {
          const known = merge ? d.messages.filter((m) => !page.items.some((item) => item.seq === m.seq)) : [];
          const gap = merge && page.items.length > 0 && page.items[0].seq > lastSeq.current + 1 && page.nextBefore !== null;
          // A page with nothing before it is the whole history: what it lacks was removed (the history cap's trim).
          const messages = gap || page.nextBefore === null ? page.items : [...known, ...page.items];
          lastSeq.current = messages.length ? messages[messages.length - 1].seq : 0;
          return { ...d, messages, olderBefore: merge && !gap ? d.olderBefore : page.nextBefore };
        });
      } catch (error) {
        failed(error);
      }
    },
    [api, id, failed],
  );

  const loadOlder = useCallback(async () => {
    const before = detail.olderBefore;
    if (before === null || detail.loadingOlder) return;
    setDetail((d) => ({ ...d, loadingOlder: true }));
    try {
      const page = await api.messages(id, { before, limit: PAGE });
      setDetail((d) => ({ ...d, messages: [...page.items, ...d.messages], olderBefore: page.nextBefore, loadingOlder: false }));
    } catch (error) {
      setDetail((d) => ({ ...d, loadingOlder: false }));
      failed(error);
    }
  }, [api, id, detail.olderBefore, detail.loadingOlder, failed]);

  useEffect(() => {
    void readSession();
    void readLatest(false);
  }, [readSession, readLatest]);

  useEffect(() => {
    let sessionTimer = 0;
    const off = events.subscribe(({ type, data }) => {
      if (data.sessionId !== id) return;
      if (type === 'session.deleted') return setDetail((d) => ({ ...d, gone: true, session: null }));
      if (type === 'session.status' && data.to) setDetail((d) => (d.session ? { ...d, session: { ...d.session, status: data.to! } } : d));
      if (type === 'session.messages' && data.change === 'trimmed' && typeof data.throughSeq === 'number') {
        // The history cap removed the oldest messages: they go from the page too (the session's read says how many).
        const through = data.throughSeq;
        setDetail((d) => ({ ...d, messages: d.messages.filter((m) => m.seq > through) }));
      } else if (type === 'session.messages') {
        // The new seqs are firstSeq..lastSeq (a long list is not spelled out in seqs).
        const first = data.firstSeq ?? data.seqs?.[0];
        const replaced = first !== undefined && first <= lastSeq.current;
        void readLatest(!replaced);
      }
      window.clearTimeout(sessionTimer);
      sessionTimer = window.setTimeout(() => void readSession(), COALESCE_MS);
    });
    const offResync = events.onResync(() => {
      void readSession();
      void readLatest(false);
    });
    return () => {
      off();
      offResync();
      window.clearTimeout(sessionTimer);
    };
  }, [events, id, readSession, readLatest]);

  // Degraded mode: with the stream down (dropped, or a service without it) a running session is
  // polled, so its progress still moves; the header says the page is not live. A claim by a
  // worker makes no event: a session waiting for one is read until one took it.
  const running = detail.session?.status === 'running';
  const waiting = !!detail.session && isWaitingForWorker(detail.session);
  useEffect(() => {
    if (!running) return;
    const timer = window.setInterval(() => {
      const live = events.state === 'open';
      if (!live || waiting) void readSession();
      if (!live) void readLatest(true);
    }, POLL_MS);
    return () => window.clearInterval(timer);
  }, [running, waiting, events, readSession, readLatest]);

  return {
    ...detail,
    loadOlder,
    refresh: readSession,
    /** After the person's own action: its answer at once, then the audit trail that it extended. */
    setSession: (session: Session | null) => {
      setDetail((d) => (session ? { ...d, session } : { ...d, session: null, gone: true }));
      if (session) void readSession();
    },
  };
}

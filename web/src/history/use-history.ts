import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError } from '../api/client';
import type { Session, SessionEvent, SessionStatus } from '../api/types';
import { useSigned } from '../app/context';
import { isWaitingForWorker } from '../ui/session-state';

export interface Filter {
  /** '': every status but deleted. */
  status: SessionStatus | '';
  q: string;
}

interface State {
  items: Session[];
  nextCursor: string | null;
  loading: boolean;
  error: string | null;
  loaded: boolean;
}

const PAGE = 20;
// Events for one session within this window cost one GET (a running session reports often).
const COALESCE_MS = 150;
// A claim by a worker makes no event: rows waiting for a worker are read this often until one took them.
const WAITING_POLL_MS = 2000;

const matches = (session: Session, filter: Filter): boolean =>
  (filter.status ? session.status === filter.status : session.status !== 'deleted') &&
  (!filter.q || (session.title ?? '').toLowerCase().includes(filter.q.toLowerCase()));

/**
 * The history: pages by cursor (newest first), kept live from the events stream. An event names a
 * session; the row is read again (coalesced per session) rather than patched from the event, so it
 * always shows what GET shows. A status event moves the badge at once, before that read returns.
 */
export function useHistory(filter: Filter) {
  const { api, events } = useSigned();
  const [state, setState] = useState<State>({ items: [], nextCursor: null, loading: true, error: null, loaded: false });
  // Answers to an older filter are dropped: the latest request wins.
  const generation = useRef(0);
  const pending = useRef(new Map<string, number>());
  // Sessions that events named while a first page was being read: that page may predate them.
  const namedDuringLoad = useRef(new Set<string>());
  // Read through a ref: a new filter object must not resubscribe to the events (which drops pending reads).
  const filterRef = useRef(filter);
  filterRef.current = filter;
  const refreshRef = useRef<(id: string, insert: boolean) => Promise<void>>(() => Promise.resolve());

  const load = useCallback(
    async (cursor?: string) => {
      const mine = cursor ? generation.current : ++generation.current;
      if (!cursor) namedDuringLoad.current = new Set();
      setState((s) => ({ ...s, loading: true, error: null, ...(cursor ? {} : { items: [], nextCursor: null, loaded: false }) }));
      try {
        const page = await api.listSessions({ status: filter.status || undefined, q: filter.q || undefined, cursor, limit: PAGE });
        if (mine !== generation.current) return;
        setState((s) => {
          const known = new Set(s.items.map((item) => item.id));
          const items = cursor ? [...s.items, ...page.items.filter((item) => !known.has(item.id))] : page.items;
          return { items, nextCursor: page.nextCursor, loading: false, error: null, loaded: true };
        });
        if (!cursor) for (const id of namedDuringLoad.current) void refreshRef.current(id, true);
        namedDuringLoad.current = new Set();
      } catch (error) {
        if (mine !== generation.current) return;
        setState((s) => ({ ...s, loading: false, error: (error as Error).message }));
      }
    },
    [api, filter.status, filter.q],
  );

  useEffect(() => void load(), [load]);

  const replace = useCallback(
    (id: string, session: Session | null, insert = false) =>
      setState((s) => {
        const index = s.items.findIndex((item) => item.id === id);
        if (!session || session.status === 'deleted') return index < 0 ? s : { ...s, items: s.items.filter((item) => item.id !== id) };
        if (index >= 0) return { ...s, items: s.items.map((item) => (item.id === id ? session : item)) };
        if (!insert || !matches(session, filterRef.current)) return s;
        // Older than the rows loaded so far: its page brings it when the person scrolls there.
        const last = s.items[s.items.length - 1];
        if (s.nextCursor && last && session.createdAt < last.createdAt) return s;
        const items = [...s.items, session].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
        return { ...s, items };
      }),
    [],
  );

  const refresh = useCallback(
    async (id: string, insert = false) => {
      try {
        replace(id, await api.getSession(id), insert);
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) replace(id, null);
      }
    },
    [api, replace],
  );
  refreshRef.current = refresh;

  useEffect(() => {
    const timers = pending.current;
    const onEvent = ({ type, data }: SessionEvent) => {
      namedDuringLoad.current.add(data.sessionId);
      if (type === 'session.deleted') return replace(data.sessionId, null);
      if (type === 'session.status' && data.to)
        setState((s) => ({ ...s, items: s.items.map((item) => (item.id === data.sessionId ? { ...item, status: data.to! } : item)) }));
      const insert = type === 'session.created' || type === 'session.status';
      window.clearTimeout(timers.get(data.sessionId));
      timers.set(
        data.sessionId,
        window.setTimeout(() => {
          timers.delete(data.sessionId);
          void refresh(data.sessionId, insert);
        }, COALESCE_MS),
      );
    };
    const off = events.subscribe(onEvent);
    const offResync = events.onResync(() => void load());
    return () => {
      off();
      offResync();
      for (const timer of timers.values()) window.clearTimeout(timer);
      timers.clear();
    };
  }, [events, refresh, replace, load]);

  // Ids in one string: the timer restarts only when the set of waiting rows changes.
  const waiting = state.items
    .filter(isWaitingForWorker)
    .map((session) => session.id)
    .join(' ');
  useEffect(() => {
    if (!waiting) return;
    const timer = window.setInterval(() => waiting.split(' ').forEach((id) => void refresh(id)), WAITING_POLL_MS);
    return () => window.clearInterval(timer);
  }, [waiting, refresh]);

  return {
    ...state,
    reload: () => load(),
    loadMore: () => (state.nextCursor && !state.loading ? load(state.nextCursor) : Promise.resolve()),
    refresh,
    replace,
  };
}

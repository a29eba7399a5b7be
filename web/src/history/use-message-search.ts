import { useCallback, useEffect, useRef, useState } from 'react';
import type { SearchHit } from '../api/types';
import { useSigned } from '../app/context';

interface State {
  items: SearchHit[];
  nextCursor: string | null;
  loading: boolean;
  error: string | null;
}

const PAGE = 20;
/** The API's bounds of `q` (GET /messages/search): shorter is not searched. */
export const MIN_QUERY = 2;

/** Transcript search, newest match first, more by cursor; an empty query is no search. Answers to an older query are dropped. */
export function useMessageSearch(q: string) {
  const { api } = useSigned();
  const [state, setState] = useState<State>({ items: [], nextCursor: null, loading: false, error: null });
  const generation = useRef(0);

  const load = useCallback(
    async (cursor?: string) => {
      const mine = cursor ? generation.current : ++generation.current;
      if (q.length < MIN_QUERY) return setState({ items: [], nextCursor: null, loading: false, error: null });
      setState((s) => ({ ...s, loading: true, error: null, ...(cursor ? {} : { items: [], nextCursor: null }) }));
      try {
        const page = await api.searchMessages(q, { cursor, limit: PAGE });
        if (mine !== generation.current) return;
        setState((s) => ({
          items: cursor ? [...s.items, ...page.items] : page.items,
          nextCursor: page.nextCursor,
          loading: false,
          error: null,
        }));
      } catch (error) {
        if (mine === generation.current) setState((s) => ({ ...s, loading: false, error: (error as Error).message }));
      }
    },
    [api, q],
  );

  useEffect(() => {
    void load();
  }, [load]);

  return { ...state, loadMore: () => (state.nextCursor && !state.loading ? load(state.nextCursor) : Promise.resolve()) };
}

/** Hits grouped by session, the sessions in the order of their newest hit (the answer's order). */
export function bySession(items: SearchHit[]): { sessionId: string; title: string | null; hits: SearchHit[] }[] {
  const groups = new Map<string, { sessionId: string; title: string | null; hits: SearchHit[] }>();
  for (const hit of items) {
    const group = groups.get(hit.sessionId) ?? { sessionId: hit.sessionId, title: hit.sessionTitle, hits: [] };
    group.hits.push(hit);
    groups.set(hit.sessionId, group);
  }
  return [...groups.values()];
}

import { useEffect, useState } from 'react';

/** `seq`: the message to show (a search result's), scrolled to and marked. */
export type Route = { page: 'history' } | { page: 'session'; id: string; seq?: number };

/** Hash routes (#/ and #/sessions/<id>[?seq=N]): the service serves one index.html, so no path fallback is needed. */
export function parseRoute(hash: string): Route {
  const match = /^#\/sessions\/([^/?#]+)(?:\?seq=(\d+))?/.exec(hash);
  if (!match) return { page: 'history' };
  return match[2]
    ? { page: 'session', id: decodeURIComponent(match[1]), seq: Number(match[2]) }
    : { page: 'session', id: decodeURIComponent(match[1]) };
}

export const sessionHref = (id: string, seq?: number): string =>
  `#/sessions/${encodeURIComponent(id)}${seq === undefined ? '' : `?seq=${seq}`}`;

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const update = () => setRoute(parseRoute(location.hash));
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }, []);
  return route;
}

import { useEffect, useState } from 'react';

export type Route = { page: 'history' } | { page: 'session'; id: string };

/** Hash routes (#/ and #/sessions/<id>): the service serves one index.html, so no path fallback is needed. */
export function parseRoute(hash: string): Route {
  const match = /^#\/sessions\/([^/?#]+)/.exec(hash);
  return match ? { page: 'session', id: decodeURIComponent(match[1]) } : { page: 'history' };
}

export const sessionHref = (id: string): string => `#/sessions/${encodeURIComponent(id)}`;

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const update = () => setRoute(parseRoute(location.hash));
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }, []);
  return route;
}

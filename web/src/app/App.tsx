import { useCallback, useEffect, useMemo, useState } from 'react';
import { ApiClient } from '../api/client';
import { EventStream } from '../api/event-stream';
import { HistoryPage } from '../history/HistoryPage';
import { SessionPage } from '../session/SessionPage';
import { SignIn } from '../signin/SignIn';
import { StreamStatus } from '../ui/StreamStatus';
import { type Signed, SignedContext } from './context';
import { useRoute } from './route';
import { tokenStore } from './token-store';

/** The token's `sub`, shown in the header; the service checks the token, the page only reads it. */
function subjectOf(token: string): string {
  try {
    const payload = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))) as { sub?: unknown };
    return typeof payload.sub === 'string' ? payload.sub : '';
  } catch {
    return '';
  }
}

export function App() {
  const [token, setToken] = useState(tokenStore.get);
  const [notice, setNotice] = useState<string | null>(null);

  const signOut = useCallback((message?: string) => {
    tokenStore.clear();
    setToken(null);
    setNotice(message ?? null);
  }, []);
  const signIn = useCallback((next: string) => {
    tokenStore.set(next);
    setNotice(null);
    setToken(next);
  }, []);

  const signed = useMemo<Signed | null>(() => {
    if (!token) return null;
    const unauthorized = (reason: string) => signOut(`Signed out: ${reason}. Sign in again with a valid token.`);
    const api = new ApiClient(token, unauthorized);
    return { api, events: new EventStream(api.client, unauthorized), user: subjectOf(token), signOut };
  }, [token, signOut]);
  useEffect(() => {
    signed?.events.open();
    return () => signed?.events.close();
  }, [signed]);

  if (!signed) return <SignIn notice={notice} onToken={signIn} />;
  return (
    <SignedContext.Provider value={signed}>
      <Shell />
    </SignedContext.Provider>
  );
}

function Shell() {
  const route = useRoute();
  return (
    <>
      <Header />
      <main id="main">{route.page === 'session' ? <SessionPage key={route.id} id={route.id} seq={route.seq} /> : <HistoryPage />}</main>
    </>
  );
}

function Header() {
  return (
    <SignedContext.Consumer>
      {(signed) => (
        <header className="top">
          <a className="brand" href="#/">
            Session store
          </a>
          <StreamStatus />
          <span className="who" title="signed in as">
            {signed?.user}
          </span>
          <button type="button" className="quiet" onClick={() => signed?.signOut()}>
            Sign out
          </button>
        </header>
      )}
    </SignedContext.Consumer>
  );
}

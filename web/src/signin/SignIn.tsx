import { type FormEvent, useEffect, useState } from 'react';
import { devTokens } from './dev-tokens';

interface Props {
  notice: string | null;
  onToken: (token: string) => void;
}

/** Paste a bearer token; in development also "sign in as" a user name (POST /api/v1/dev/token). */
export function SignIn({ notice, onToken }: Props) {
  const [token, setToken] = useState('');
  const [user, setUser] = useState('');
  const [devAvailable, setDevAvailable] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    void devTokens.available().then(setDevAvailable);
  }, []);

  const pasted = (event: FormEvent) => {
    event.preventDefault();
    const value = token.trim().replace(/^Bearer\s+/i, '');
    if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(value)) {
      setError('That does not look like a JWT (three base64url parts separated by dots).');
      return;
    }
    onToken(value);
  };

  const signInAs = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onToken(await devTokens.mint(user.trim()));
    } catch (failure) {
      setError((failure as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" className="signin">
      <h1>Session store</h1>
      {notice && (
        <p className="alert" role="alert">
          {notice}
        </p>
      )}
      {error && (
        <p className="alert" role="alert">
          {error}
        </p>
      )}
      <form onSubmit={pasted} className="card">
        <h2>Sign in with a token</h2>
        <label htmlFor="token">Bearer token</label>
        <textarea id="token" rows={4} value={token} onChange={(e) => setToken(e.target.value)} spellCheck={false} autoComplete="off" />
        <p className="hint">Kept in this tab only (sessionStorage) and sent to this service alone.</p>
        <button type="submit" disabled={!token.trim()}>
          Sign in
        </button>
      </form>
      {devAvailable && (
        <form onSubmit={(e) => void signInAs(e)} className="card">
          <h2>Development: sign in as</h2>
          <label htmlFor="dev-user">User name</label>
          <input id="dev-user" value={user} onChange={(e) => setUser(e.target.value)} maxLength={128} autoComplete="username" />
          <p className="hint">Offered only in development, without a configured secret, to this machine.</p>
          <button type="submit" disabled={busy || !user.trim()}>
            Sign in as {user.trim() || '…'}
          </button>
        </form>
      )}
    </main>
  );
}

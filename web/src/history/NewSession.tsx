import { type FormEvent, useState } from 'react';
import type { Session } from '../api/types';
import { useSigned } from '../app/context';
import { sessionHref } from '../app/route';

/** Creates a session (status `created`); it is started from its row or its page. */
export function NewSession({ onCreated }: { onCreated: (session: Session) => void }) {
  const { api } = useSigned();
  const [open, setOpen] = useState(false);
  const [title, setTitle] = useState('');
  const [problem, setProblem] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const session = await api.createSession({ title: title.trim() || undefined, problemStatement: problem.trim() || undefined });
      onCreated(session);
      setTitle('');
      setProblem('');
      setOpen(false);
      location.hash = sessionHref(session.id);
    } catch (failure) {
      setError((failure as Error).message);
    } finally {
      setBusy(false);
    }
  };

  if (!open)
    return (
      <button type="button" onClick={() => setOpen(true)}>
        New session
      </button>
    );
  return (
    <form className="card new-session" onSubmit={(e) => void submit(e)} aria-label="New session">
      <label htmlFor="new-title">Title</label>
      <input id="new-title" value={title} onChange={(e) => setTitle(e.target.value)} maxLength={500} autoFocus />
      <label htmlFor="new-problem">Problem statement</label>
      <textarea id="new-problem" value={problem} onChange={(e) => setProblem(e.target.value)} rows={3} maxLength={20000} />
      {error && (
        <p className="alert" role="alert">
          {error}
        </p>
      )}
      <div className="actions">
        <button type="button" className="quiet" onClick={() => setOpen(false)}>
          Cancel
        </button>
        <button type="submit" disabled={busy}>
          Create
        </button>
      </div>
    </form>
  );
}

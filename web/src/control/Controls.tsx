import { useState } from 'react';
import { ApiError } from '../api/client';
import type { Session } from '../api/types';
import { useSigned } from '../app/context';
import { ConfirmDialog } from './ConfirmDialog';
import { type Action, legalActions } from './legal-actions';

interface Props {
  session: Session;
  /** The session after an action, null once deleted (or found gone). */
  onChange: (session: Session | null) => void;
  /** Reads the session again: after a 409 the row shows what someone else did. */
  onRefresh: () => Promise<void> | void;
  /** The history row's form: no handler field. */
  compact?: boolean;
}

/** Start, kill (with an optional reason) and delete: only the legal ones, the destructive two confirmed. */
export function Controls({ session, onChange, onRefresh, compact }: Props) {
  const { api } = useSigned();
  const [confirming, setConfirming] = useState<'kill' | 'delete' | null>(null);
  const [reason, setReason] = useState('');
  const [handler, setHandler] = useState('');
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const label = session.title || 'this session';

  const act = async (action: Action) => {
    setConfirming(null);
    setBusy(true);
    setMessage(null);
    try {
      if (action === 'start') onChange(await api.start(session.id, handler.trim() || undefined));
      if (action === 'kill') onChange(await api.kill(session.id, reason.trim() || undefined));
      if (action === 'delete') {
        await api.remove(session.id);
        onChange(null);
      }
      setReason('');
    } catch (error) {
      if (error instanceof ApiError && error.status === 409 && error.body?.currentStatus) {
        setMessage(`Could not ${action}: someone else acted first, the session is now ${error.body.currentStatus}.`);
        await onRefresh();
      } else if (error instanceof ApiError && error.status === 404) {
        setMessage('This session no longer exists.');
        onChange(null);
      } else {
        setMessage(`Could not ${action}: ${(error as Error).message}`);
      }
    } finally {
      setBusy(false);
    }
  };

  const actions = legalActions(session.status);
  return (
    <div className="controls">
      {actions.includes('start') && !compact && (
        <label className="handler">
          <span>Handler</span>
          <input value={handler} onChange={(e) => setHandler(e.target.value)} placeholder="default" maxLength={100} />
        </label>
      )}
      {actions.includes('start') && (
        <button type="button" disabled={busy} onClick={() => void act('start')} aria-label={`Start ${label}`}>
          Start
        </button>
      )}
      {actions.includes('kill') && (
        <button type="button" className="danger" disabled={busy} onClick={() => setConfirming('kill')} aria-label={`Kill ${label}`}>
          Kill
        </button>
      )}
      {actions.includes('delete') && (
        <button
          type="button"
          className="danger quiet"
          disabled={busy}
          onClick={() => setConfirming('delete')}
          aria-label={`Delete ${label}`}
        >
          Delete
        </button>
      )}
      {message && (
        <p className="control-message" role="alert">
          {message}
        </p>
      )}
      {confirming === 'kill' && (
        <ConfirmDialog
          title={`Kill “${label}”?`}
          confirmLabel="Kill"
          onConfirm={() => void act('kill')}
          onCancel={() => setConfirming(null)}
        >
          <p>Its work stops wherever it runs. This cannot be undone.</p>
          <label htmlFor="kill-reason">Reason (optional, kept in the audit trail)</label>
          <input id="kill-reason" value={reason} onChange={(e) => setReason(e.target.value)} maxLength={1000} />
        </ConfirmDialog>
      )}
      {confirming === 'delete' && (
        <ConfirmDialog
          title={`Delete “${label}”?`}
          confirmLabel="Delete"
          onConfirm={() => void act('delete')}
          onCancel={() => setConfirming(null)}
        >
          <p>
            {session.status === 'running' ? 'It is running: it is killed first. ' : ''}The session and its messages disappear from your
            history.
          </p>
        </ConfirmDialog>
      )}
    </div>
  );
}

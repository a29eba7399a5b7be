import { useState } from 'react';
import { useSigned } from '../app/context';

/** "Export my sessions": GET /export with the person's token, saved as a file (a link cannot carry the Authorization header). */
export function ExportSessions() {
  const { api } = useSigned();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const download = async () => {
    setBusy(true);
    setError(null);
    try {
      const url = URL.createObjectURL(await api.exportSessions());
      const link = document.createElement('a');
      link.href = url;
      link.download = `sessions-${new Date().toISOString().slice(0, 10)}.jsonl`;
      link.click();
      // Revoked once the browser has surely started saving it (a revoke right after the click may cancel it).
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } catch (failure) {
      setError((failure as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <button type="button" className="quiet" onClick={() => void download()} disabled={busy} aria-busy={busy}>
        {busy ? 'Exporting…' : 'Export my sessions'}
      </button>
      {error && (
        <p className="alert" role="alert">
          Export failed: {error}
        </p>
      )}
    </>
  );
}

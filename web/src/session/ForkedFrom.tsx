import { useEffect, useState } from 'react';
import type { ForkedFrom as Source } from '../api/types';
import { useSigned } from '../app/context';
import { sessionHref } from '../app/route';

/** "Forked from <title or id> at message N", a link to the source (its title read once; a deleted source shows its id). */
export function ForkedFrom({ source }: { source: Source }) {
  const { api } = useSigned();
  const [title, setTitle] = useState<string | null>(null);
  useEffect(() => {
    let current = true;
    api.getSession(source.sessionId).then(
      (session) => current && setTitle(session.title),
      () => undefined,
    );
    return () => {
      current = false;
    };
  }, [api, source.sessionId]);
  return (
    <p className="forked-from muted">
      Forked from <a href={sessionHref(source.sessionId, source.atSeq || undefined)}>{title || source.sessionId}</a>{' '}
      {source.atSeq ? `at message ${source.atSeq}` : 'before its first message'}
    </p>
  );
}

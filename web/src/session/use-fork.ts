import { useState } from 'react';
import { useSigned } from '../app/context';
import { sessionHref } from '../app/route';

/**
 * "Fork from here": a new session holding messages 1..seq of this one (POST /sessions/:id/fork),
 * then its page. One fork at a time from a page; a refusal (429, 404...) is shown, nothing opens.
 */
export function useFork(id: string) {
  const { api } = useSigned();
  const [forkingAt, setForkingAt] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const forkAt = async (seq: number) => {
    setForkingAt(seq);
    setError(null);
    try {
      const fork = await api.fork(id, seq);
      location.hash = sessionHref(fork.id);
    } catch (failure) {
      setError(`Could not fork: ${(failure as Error).message}`);
      setForkingAt(null);
    }
  };
  return { forkingAt, error, forkAt };
}

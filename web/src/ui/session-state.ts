import type { Session } from '../api/types';

/**
 * A running session whose work no worker has taken yet (`claimedAt` null): it waits in its
 * handler's queue, for a remote worker to claim it or an in-process worker to be free.
 */
export const isWaitingForWorker = (session: Pick<Session, 'status' | 'claimedAt'>): boolean =>
  session.status === 'running' && !session.claimedAt;

import { createContext, useContext } from 'react';
import type { ApiClient } from '../api/client';
import type { EventStream } from '../api/event-stream';

export interface Signed {
  api: ApiClient;
  events: EventStream;
  user: string;
  signOut: (message?: string) => void;
}

export const SignedContext = createContext<Signed | null>(null);

/** The signed-in person's API client and events stream (only rendered inside a signed-in App). */
export function useSigned(): Signed {
  const signed = useContext(SignedContext);
  if (!signed) throw new Error('useSigned outside a signed-in App');
  return signed;
}

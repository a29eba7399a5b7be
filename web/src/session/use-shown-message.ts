import { useEffect, useRef } from 'react';
import type { Message } from '../api/types';

/**
 * The message a link names (`#/sessions/<id>?seq=N`, a search result): older pages are read until
 * it is loaded (or the history has no older page: a seq since removed), then it is scrolled to once.
 */
export function useShownMessage(
  seq: number | undefined,
  transcript: { messages: Message[]; olderBefore: number | null; loadingOlder: boolean; loadOlder: () => Promise<void> },
) {
  const { messages, olderBefore, loadingOlder, loadOlder } = transcript;
  const scrolledTo = useRef<number | undefined>(undefined);
  const loaded = seq !== undefined && messages.some((message) => message.seq === seq);
  const older = seq !== undefined && messages.length > 0 && messages[0].seq > seq && olderBefore !== null;
  useEffect(() => {
    if (seq === undefined) return;
    if (older && !loadingOlder) void loadOlder();
    else if (loaded && scrolledTo.current !== seq) {
      scrolledTo.current = seq;
      document.querySelector(`.messages [data-seq="${seq}"]`)?.scrollIntoView({ block: 'center' });
    }
  }, [seq, loaded, older, loadingOlder, loadOlder]);
}

import { useSyncExternalStore } from 'react';

// Relative times read to the second under a minute: a tick each second keeps them true.
const TICK_MS = 1000;

let now = Date.now();
let timer: number | undefined;
const listeners = new Set<() => void>();

function tick() {
  now = Date.now();
  for (const listener of listeners) listener();
}

/** One timer for the whole page, running only while something shows a time that moves. */
function subscribe(listener: () => void): () => void {
  if (!listeners.size) {
    now = Date.now();
    timer = window.setInterval(tick, TICK_MS);
  }
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
    if (!listeners.size) window.clearInterval(timer);
  };
}

/**
 * `read(now)` again at every tick; the component renders again only when the answer changed
 * ("3 minutes ago" stays put for a minute), so a tick costs a string per time shown.
 */
export function useTicking<T extends string | number | boolean>(read: (now: number) => T): T {
  return useSyncExternalStore(subscribe, () => read(now));
}

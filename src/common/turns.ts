/**
 * Work on a large request is cut into turns of the event loop, so that other requests are served
 * between them: a batch's elements (messages) this many per turn, and nextTurn() between turns.
 * setImmediate, not a promise: a microtask would run before any I/O waiting behind it.
 */
export const PER_TURN = 250;

export const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

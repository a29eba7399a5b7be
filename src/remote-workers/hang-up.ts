import type { FastifyRequest } from 'fastify';

/** Aborted when the client's connection closes; `dispose` stops listening once the answer is ready. */
export interface HangUp {
  readonly signal: AbortSignal;
  dispose(): void;
}

/**
 * Watches the socket, not the request: the request's own `close` fires once its body was read,
 * before the handler runs, so it never tells that the client went away.
 */
export function watchHangUp(request: FastifyRequest): HangUp {
  const gone = new AbortController();
  const socket = request.raw.socket;
  const abort = () => gone.abort();
  // Closed before the handler ran: its `close` has already been emitted.
  if (socket.destroyed) abort();
  else socket.once('close', abort);
  return { signal: gone.signal, dispose: () => socket.off('close', abort) };
}

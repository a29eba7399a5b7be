import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { CODE_BY_STATUS } from './all-exceptions.filter.js';

type ClientError = Error & { code?: string };

// Node's own codes for a request it gave up on before any route saw it.
const ANSWERS: Record<string, { status: number; message: string }> = {
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, message: 'The request headers or body took too long to arrive' },
  HPE_HEADER_OVERFLOW: { status: 431, message: 'The request headers are too large' },
};
const MALFORMED = { status: 400, message: 'The request is not valid HTTP' };

/**
 * Fastify's clientErrorHandler: what Node's HTTP parser refuses (timeouts, oversized headers,
 * malformed requests) never reaches a route or the exception filter, so it is written to the
 * socket here, in the API's error shape with a code, and the connection is closed.
 */
export function answerClientError(error: ClientError, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const { status, message } = ANSWERS[error.code ?? ''] ?? MALFORMED;
  const code = status === 400 ? 'MALFORMED_REQUEST' : CODE_BY_STATUS[status];
  const body = JSON.stringify({ statusCode: status, error: STATUS_CODES[status], message, code });
  // Like Node's own handler: once a response has begun on this socket, another cannot be written.
  const responding = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent;
  if (socket.writable && !responding) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

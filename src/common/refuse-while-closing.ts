import type { FastifyInstance } from 'fastify';
import type { ShutdownGate } from './shutdown-gate.js';

/**
 * From the moment the app starts closing (SIGTERM: see ShutdownGate), requests get a 503 in the
 * API's error shape, with Retry-After and Connection: close, so a client retries on another
 * instance. (Fastify's own closing 503 carries no Retry-After; it is turned off where the
 * adapter is created, and it would only start once the server closes, after the worker's drain.)
 */
export function refuseWhileClosing(fastify: FastifyInstance, gate: ShutdownGate): void {
  let serverClosing = false;
  fastify.addHook('preClose', (done) => {
    serverClosing = true;
    done();
  });
  fastify.addHook('onClose', (_instance, done) => {
    gate.step('HTTP server closed: in-flight requests finished');
    done();
  });
  fastify.addHook('onRequest', (_request, reply, done) => {
    if (!serverClosing && !gate.closing) return done();
    void reply
      .code(503)
      .headers({ 'Retry-After': '1', Connection: 'close' })
      .send({ statusCode: 503, error: 'Service Unavailable', message: 'This instance is shutting down; retry', code: 'SHUTTING_DOWN' });
  });
}

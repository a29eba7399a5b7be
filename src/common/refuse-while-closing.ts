import type { FastifyInstance } from 'fastify';

/**
 * From the moment the server starts closing (SIGTERM), requests that still arrive on kept-alive
 * connections get a 503 in the API's error shape, with Retry-After and Connection: close, so a
 * client retries on another instance. (Fastify's own closing 503 carries no Retry-After; it is
 * turned off where the adapter is created.)
 */
export function refuseWhileClosing(fastify: FastifyInstance): void {
  let closing = false;
  fastify.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  fastify.addHook('onRequest', (_request, reply, done) => {
    if (!closing) return done();
    void reply
      .code(503)
      .headers({ 'Retry-After': '1', Connection: 'close' })
      .send({ statusCode: 503, error: 'Service Unavailable', message: 'This instance is shutting down; retry', code: 'SHUTTING_DOWN' });
  });
}

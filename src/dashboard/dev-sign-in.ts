import { NotFoundException } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';
import type { Env } from '../config/env.validation.js';

/** The development sign-in's full path: authenticateBeforeBody lets it through without a token. */
export const DEV_TOKEN_PATH = '/api/v1/dev/token';

/** Injection token of devSignInEnabled's answer for the running app. */
export const DEV_SIGN_IN = Symbol('DEV_SIGN_IN');

/**
 * Development conveniences ("sign in as", the dev token route) exist only outside production and
 * when no secret or identity provider is configured: then the only key is the well-known
 * development secret, so a token minted with it opens nothing that a real key protects.
 */
export function devSignInEnabled(env: Env): boolean {
  return env.NODE_ENV !== 'production' && !env.AUTH_JWT_SECRET && !env.AUTH_JWKS_URL;
}

const LOOPBACK_PEER = /^(127(\.\d{1,3}){3}|::1|::ffff:127(\.\d{1,3}){3})$/;
// A page on another site whose name was rebound to 127.0.0.1 reaches this port as a loopback peer,
// but with its own name in Host.
const LOOPBACK_HOST = /^(localhost|127(\.\d{1,3}){3}|\[::1\])(:\d+)?$/i;
const FORWARDING_HEADERS = ['forwarded', 'x-forwarded-for', 'x-real-ip'];

/**
 * A client on this machine talking to the service directly: a loopback peer, named by a loopback
 * host, that no proxy forwarded (a reverse proxy on this machine is a loopback peer too).
 */
export function isLocalClient(request: FastifyRequest): boolean {
  const { headers } = request;
  return (
    LOOPBACK_PEER.test(request.socket.remoteAddress ?? '') &&
    LOOPBACK_HOST.test(headers.host ?? '') &&
    !FORWARDING_HEADERS.some((name) => headers[name] !== undefined)
  );
}

/**
 * When the development sign-in exists, it answers local clients only: any other client gets the
 * very 404 of a route that does not exist, in onRequest, so before its body is read or validated.
 */
export function keepDevSignInLocal(app: NestFastifyApplication): void {
  if (!app.get<boolean>(DEV_SIGN_IN)) return;
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', (request, _reply, done) => {
      if (request.url.split('?', 1)[0] !== DEV_TOKEN_PATH || isLocalClient(request)) return done();
      // The message Nest's own not-found handler gives (RoutesResolver).
      done(new NotFoundException(`Cannot ${request.method} ${request.url}`));
    });
}

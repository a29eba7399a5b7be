import helmet from '@fastify/helmet';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/**
 * One policy for the API, /docs and the coming same-origin dashboard: scripts and fetches only from
 * this origin, never inline scripts. Swagger UI (and any dashboard framework) needs inline styles
 * and data: images for its icons, which cannot run code. upgrade-insecure-requests is left out: an
 * instance is often reached over plain HTTP inside a private network.
 */
const CONTENT_SECURITY_POLICY = {
  useDefaults: false,
  directives: {
    defaultSrc: ["'self'"],
    baseUri: ["'self'"],
    connectSrc: ["'self'"],
    fontSrc: ["'self'", 'data:'],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
    imgSrc: ["'self'", 'data:'],
    objectSrc: ["'none'"],
    scriptSrc: ["'self'"],
    scriptSrcAttr: ["'none'"],
    styleSrc: ["'self'", "'unsafe-inline'"],
  },
};

/** helmet's headers on every answer, errors included; CORS only for the origins CORS_ORIGINS lists. */
export async function applySecurityHeaders(app: NestFastifyApplication, corsOrigins: string[]): Promise<void> {
  await app.register(helmet, { contentSecurityPolicy: CONTENT_SECURITY_POLICY });
  if (corsOrigins.length) {
    // A browser client needs ETag (for If-Match) and Retry-After; credentials are bearer tokens, not cookies.
    app.enableCors({ origin: corsOrigins, exposedHeaders: ['ETag', 'Retry-After', 'Location'], maxAge: 600 });
  }
}

import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import fastifyStatic from '@fastify/static';
import { dashboardDirectory } from './dashboard-files.js';

/**
 * The dashboard's built files at `/` (index.html) and `/assets/*`. `wildcard: false` registers one
 * route per file that exists at start-up, so no catch-all route shadows the API's own 404s. Asset
 * names carry a content hash (vite), so they are cached for good; index.html is revalidated each
 * time, so a deploy shows at the next load. The page talks to the API with a bearer token only, so
 * it needs no CSP change: its scripts and styles are files from this origin.
 */
export async function serveDashboard(app: NestFastifyApplication): Promise<void> {
  const root = dashboardDirectory();
  if (!root) {
    new Logger('Dashboard').warn('dashboard not built (dist/web missing): run `npm run build` to serve it at /');
    return;
  }
  await app
    .getHttpAdapter()
    .getInstance()
    .register(fastifyStatic, {
      root,
      prefix: '/',
      wildcard: false,
      // Swagger UI registers @fastify/static for /docs first; one sendFile decorator is enough.
      decorateReply: false,
      index: 'index.html',
      // Cache-Control is set below, per file, instead of send's one max-age for all.
      cacheControl: false,
      setHeaders: (reply, path) => {
        const hashed = path.includes('/assets/');
        void reply.header('Cache-Control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
}

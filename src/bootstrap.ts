import type { INestApplication, NestApplicationOptions } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { AppModule } from './app.module.js';
import { authenticateBeforeBody } from './auth/auth.hook.js';
import { limitRequests } from './limits/rate-limit.hook.js';
import { AllExceptionsFilter } from './common/all-exceptions.filter.js';
import { answerClientError } from './common/client-error-handler.js';
import { registerJsonBodyParser } from './common/json-body-parser.js';
import { stringifyExact } from './common/json-text.js';
import { JsonValidationPipe } from './common/json-validation.pipe.js';
import { RefuseUnexpectedBodyInterceptor } from './common/refuse-unexpected-body.interceptor.js';
import { refuseWhileClosing } from './common/refuse-while-closing.js';
import { ShutdownGate } from './common/shutdown-gate.js';
import { applySecurityHeaders } from './common/security-headers.js';
import { validateEnv } from './config/env.validation.js';
import { ACCEPTED_FROM } from './sessions/session-status.js';
import { serveDashboard } from './dashboard/serve-dashboard.js';
import { DEV_TOKEN_PATH, keepDevSignInLocal } from './dashboard/dev-sign-in.js';

export const API_PREFIX = 'api/v1';

export function applyGlobalPrefix(app: INestApplication): void {
  app.setGlobalPrefix(API_PREFIX, { exclude: ['health/live', 'health/ready', 'metrics', 'dashboard/config'] });
}

/**
 * The OpenAPI document served at /docs-json. scripts/openapi.ts builds the same from an app in
 * preview mode (no database, no Redis) for packages/client's generated types.
 */
export function createOpenApiDocument(app: INestApplication): OpenAPIObject {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Session store')
      .setDescription('Durable sessions and message history for AI-agent and deliberation backends')
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  // No decorator reaches an enum's schema: the lifecycle clients offer actions by (session-status.ts).
  const status = document.components?.schemas?.SessionStatus;
  if (status) Object.assign(status, { 'x-accepted-from': ACCEPTED_FROM });
  return document;
}

/** The one place that applies prefix, pipes, filter, body parsing and docs: main.ts and tests both call it. */
export async function configureApp(app: NestFastifyApplication): Promise<NestFastifyApplication> {
  const config = app.get(ConfigService);
  const fastify = app.getHttpAdapter().getInstance();
  const messagesBodyLimit = config.getOrThrow<number>('app.messagesBodyLimitBytes');
  const messagesMaxItems = config.getOrThrow<number>('app.messagesMaxItems');
  registerJsonBodyParser(fastify, config.getOrThrow<number>('app.bodyLimitBytes'), {
    bytes: {
      [`POST /${API_PREFIX}/sessions/:id/messages`]: messagesBodyLimit,
      [`PUT /${API_PREFIX}/sessions/:id/messages`]: messagesBodyLimit,
    },
    // Every write of messages, a remote worker's too: refused past this before an item is built.
    items: {
      [`POST /${API_PREFIX}/sessions/:id/messages`]: messagesMaxItems,
      [`PUT /${API_PREFIX}/sessions/:id/messages`]: messagesMaxItems,
      [`POST /${API_PREFIX}/work/:leaseId/messages`]: messagesMaxItems,
    },
  });
  // Answers write free-form values (JsonText) as the exact text the client sent.
  fastify.setReplySerializer((payload) => stringifyExact(payload));
  refuseWhileClosing(fastify, app.get(ShutdownGate));
  applySecurityHeaders(app, config.getOrThrow<string[]>('app.corsOrigins'));
  // After the security headers, so that CORS preflights are answered before authentication.
  authenticateBeforeBody(app, API_PREFIX, [DEV_TOKEN_PATH]);
  keepDevSignInLocal(app);
  // After authentication: the limit is per user.
  limitRequests(app, {
    perMinute: config.getOrThrow<number>('limits.ratePerMinute'),
    bodyMibPerMinute: config.getOrThrow<number>('limits.bodyMibPerMinute'),
  });

  applyGlobalPrefix(app);
  app.useGlobalPipes(new JsonValidationPipe());
  app.useGlobalInterceptors(new RefuseUnexpectedBodyInterceptor());
  app.useGlobalFilters(new AllExceptionsFilter());
  // No enableShutdownHooks: main.ts closes the app on SIGTERM itself (and then the embedded
  // database), and tests close theirs.

  SwaggerModule.setup('docs', app, createOpenApiDocument(app), { jsonDocumentUrl: 'docs-json' });
  await serveDashboard(app);
  await app.init();
  await fastify.ready();
  return app;
}

export async function createApp(options: NestApplicationOptions = {}): Promise<NestFastifyApplication> {
  // Parsed once here: the server is built before the ConfigService exists.
  const env = validateEnv(process.env);
  const module = AppModule.forRoot(env);
  const { HTTP_HEADERS_TIMEOUT_MS: headersTimeoutMs, HTTP_REQUEST_TIMEOUT_MS: requestTimeoutMs } = env;
  const adapter = new FastifyAdapter({
    return503OnClosing: false,
    // Node answers a slow request 408 (through answerClientError), checking every second at most,
    // so a slow client is let go within a second of its bound instead of Node's default 30 s.
    requestTimeout: requestTimeoutMs,
    http: {
      headersTimeout: Math.min(headersTimeoutMs, requestTimeoutMs),
      requestTimeout: requestTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, Math.ceil(headersTimeoutMs / 4)),
    },
    clientErrorHandler: answerClientError,
    // A session key in the path (by-key routes) is up to 255 code points, 4 UTF-8 bytes each, each
    // byte percent-encoded: Fastify's default of 100 answered 414 to keys the body accepts.
    routerOptions: { maxParamLength: 255 * 4 * 3 },
  });
  // Nest's own body parser is off: registerJsonBodyParser is the only one.
  const app = await NestFactory.create<NestFastifyApplication>(module, adapter, { ...options, bodyParser: false });
  return configureApp(app);
}

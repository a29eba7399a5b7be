import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { AppModule } from '../src/app.module.js';
import { applyGlobalPrefix, createOpenApiDocument } from '../src/bootstrap.js';
import { validateEnv } from '../src/config/env.validation.js';

/*
 * Writes the OpenAPI document the service serves at /docs-json, without a database or Redis: the
 * app is created in Nest's preview mode, which reads the modules' routes and DTOs but instantiates
 * no provider (so nothing connects). `npm run build` runs it for packages/client's generated types:
 * `node dist/scripts/openapi.js --out packages/client/openapi.json`.
 */
const { values } = parseArgs({ options: { out: { type: 'string' } } });
// The document does not depend on the settings; the defaults only have to validate.
const env = validateEnv({ NODE_ENV: 'development' });
const app = await NestFactory.create(AppModule.forRoot(env), new FastifyAdapter(), { preview: true, logger: false });
applyGlobalPrefix(app);
const json = `${JSON.stringify(createOpenApiDocument(app), null, 2)}\n`;
await app.close();
if (values.out) writeFileSync(values.out, json);
else process.stdout.write(json);

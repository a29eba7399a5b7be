import Fastify from 'fastify';
import { Redis } from 'ioredis';
import { TokenService } from '../src/auth/token.service.js';

/*
 * The Redis-only peer the agent's turn is measured against (issue 11, target 3): what the seed
 * documents' teams ran before this service, a minimal Fastify + ioredis service keeping each
 * history in a Redis list with a 24 h TTL and nothing durable. Same framework, and the same token
 * checks: the service's own TokenService (jose HS256 verify, verified tokens reused until `exp`).
 * Its routes mirror the service's getItems(limit)/addItems(items) paths; a user's lists are keyed
 * by user and session, so another user's session is simply empty. Started by `npm run bench`.
 */
const PORT = Number(process.env.PORT || 3110);
const PREFIX = process.env.PEER_KEY_PREFIX || 'peer:';
const TTL_SECONDS = 86400;
const MAX_LIMIT = 100;

const redis = new Redis(process.env.REDIS_URL || 'redis://127.0.0.1:6379/11');
const tokens = new TokenService({ jwtSecret: process.env.AUTH_JWT_SECRET!, explainFailures: false } as never);
const app = Fastify({ bodyLimit: 1024 * 1024 });
const keyOf = (user: string, session: string) => `${PREFIX}${user}:${session}`;

interface Item {
  role: string;
  content?: unknown;
  metadata?: Record<string, unknown>;
}

app.addHook('onRequest', async (request, reply) => {
  try {
    (request as unknown as { user: string }).user = (await tokens.authenticate(request.headers.authorization)).id;
  } catch {
    return reply.code(401).send({ error: 'UNAUTHENTICATED' });
  }
});

app.get<{ Params: { id: string }; Querystring: { limit?: string } }>('/api/v1/sessions/:id/messages', async (request) => {
  const limit = Math.min(MAX_LIMIT, Math.max(1, Number(request.query.limit ?? 20) || 20));
  const user = (request as unknown as { user: string }).user;
  const raw = await redis.lrange(keyOf(user, request.params.id), -limit, -1);
  return { items: raw.map((item) => JSON.parse(item)), nextBefore: null };
});

const appendSchema = {
  body: {
    type: 'object',
    required: ['items'],
    properties: {
      items: {
        type: 'array',
        minItems: 1,
        maxItems: 100,
        items: {
          type: 'object',
          required: ['role'],
          properties: { role: { type: 'string', maxLength: 32 }, metadata: { type: 'object' } },
        },
      },
    },
  },
};

app.post<{ Params: { id: string }; Body: { items: Item[] } }>(
  '/api/v1/sessions/:id/messages',
  { schema: appendSchema },
  async (request, reply) => {
    const key = keyOf((request as unknown as { user: string }).user, request.params.id);
    const createdAt = new Date().toISOString();
    const items = request.body.items.map((item) => ({
      role: item.role,
      content: item.content ?? null,
      metadata: item.metadata ?? {},
      createdAt,
    }));
    // RPUSH's reply is the new length: the items' positions, as the service's seqs are.
    const [[, length]] = (await redis
      .multi()
      .rpush(key, ...items.map((item) => JSON.stringify(item)))
      .expire(key, TTL_SECONDS)
      .exec()) as [[null, number], [null, number]];
    reply.code(201);
    return { items: items.map((item, index) => ({ seq: length - items.length + index + 1, ...item })) };
  },
);

await app.listen({ port: PORT, host: '127.0.0.1' });
console.log(`redis-only peer listening on ${PORT}`);
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => void app.close().then(() => redis.quit().then(() => process.exit(0))));
}

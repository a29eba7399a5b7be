import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { type Api, createSession } from '../factories/api.factory.js';

/** A chart as an SVG data: URL: an image the CSP allows (img-src data:) that shows in a screenshot. */
export const CHART =
  'data:image/svg+xml;base64,' +
  Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="240" height="120" viewBox="0 0 240 120">` +
      `<rect width="240" height="120" fill="#f6f8fa"/><rect x="20" y="60" width="40" height="50" fill="#0969da"/>` +
      `<rect x="80" y="30" width="40" height="80" fill="#8250df"/><rect x="140" y="45" width="40" height="65" fill="#bf8700"/></svg>`,
  ).toString('base64');

/** An answer long enough to be collapsed: 40 numbered lines. */
export const LONG_ANSWER = Array.from({ length: 40 }, (_, i) => `${i + 1}. A consideration about the EU launch, line ${i + 1}.`).join('\n');

/**
 * A Chat Completions exchange as an app stores it (each message's JSON as its content): a call in
 * `tool_calls`, its `role: 'tool'` result by `tool_call_id`, then a long answer.
 */
export const CHAT_COMPLETIONS = [
  {
    role: 'assistant',
    content: {
      role: 'assistant',
      content: null,
      tool_calls: [
        { id: 'call_fx', type: 'function', function: { name: 'convert_currency', arguments: '{"amount":29,"from":"EUR","to":"USD"}' } },
      ],
    },
  },
  { role: 'tool', content: { role: 'tool', tool_call_id: 'call_fx', content: '31.40 USD' } },
  { role: 'assistant', content: LONG_ANSWER },
];

/** The OpenAI Agents items of the transcript test: text, a tool call with arguments, its result, an image. */
export const AGENT_ITEMS = [
  { role: 'user', content: 'Which tier should we launch in the EU?' },
  {
    role: 'assistant',
    content: [{ type: 'function_call', callId: 'call_1', name: 'search_prices', arguments: '{"market":"EU","tiers":["basic","pro"]}' }],
  },
  {
    role: 'tool',
    content: [{ type: 'function_call_result', callId: 'call_1', name: 'search_prices', output: { type: 'text', text: 'pro: 29 EUR' } }],
  },
  {
    role: 'user',
    content: [
      { type: 'input_text', text: 'Here is last quarter by tier.' },
      { type: 'input_image', image: CHART },
    ],
  },
  { role: 'assistant', content: [{ type: 'output_text', text: 'Launch pro first; basic follows in Q3.' }] },
];

/** The transcript test's messages: every kind the page renders. */
export const TRANSCRIPT = [...AGENT_ITEMS, ...CHAT_COMPLETIONS];

/**
 * 60 sessions, created one after another (newest last): 59 "Seeded NN", every tenth with "alpha"
 * in its title (one in capitals), six killed (5, 15 ... 55), and the newest a transcript with every kind of message.
 */
export async function seedHistory(api: Api): Promise<{ transcriptId: string; ids: Map<string, string> }> {
  const ids = new Map<string, string>();
  for (let n = 1; n <= 59; n++) {
    const label = String(n).padStart(2, '0');
    const title = n === 50 ? `Seeded ${label} ALPHA review` : n % 10 === 0 ? `Seeded ${label} alpha review` : `Seeded ${label}`;
    const session = await createSession(api, { title, problemStatement: `Problem ${label}` });
    ids.set(title, session.id);
    if (n % 10 === 5) await api.post(`/sessions/${session.id}/kill`, { reason: 'seeded' }).expect(202);
  }
  const transcript = await createSession(api, { title: 'Transcript: EU pricing', problemStatement: 'Which tier first?' });
  await api.post(`/sessions/${transcript.id}/messages`, { items: TRANSCRIPT }).expect(201);
  return { transcriptId: transcript.id, ids };
}

/** `count` sessions of `userId` in one statement (an SQL-level factory, as bench-seed does), newest last. */
export async function seedMany(app: NestFastifyApplication, userId: string, count: number): Promise<void> {
  const db = app.get(DataSource);
  await db.query(
    `INSERT INTO sessions (user_id, title, created_at, updated_at, last_activity_at, expires_at)
     SELECT $1, 'bulk ' || lpad(g::text, 5, '0'), now() - ($2 - g) * interval '1 second', now(), now(), now() + interval '30 days'
     FROM generate_series(1, $2) AS g`,
    [userId, count],
  );
  await db.query(`ANALYZE sessions`);
}

import { protocol, type AgentInputItem } from '@openai/agents-core';
import { randomUUID } from 'node:crypto';
import { newUser, tokenFor } from '../../../test/factories/token.factory.js';
import { SessionStoreClient } from '../src/index.js';
import { useService } from './utils/service.js';

const png = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

/** One of every item shape the SDK (agents-core 0.20, protocol.ModelItem) defines, with their optional parts. */
const ITEM_SHAPES: [string, AgentInputItem][] = [
  ['user message, text', { role: 'user', content: 'plain text' }],
  [
    'user message, text + image + file parts',
    {
      type: 'message',
      role: 'user',
      content: [
        { type: 'input_text', text: 'what is on this screen?', promptCacheBreakpoint: { mode: 'explicit' } },
        { type: 'input_image', image: png, detail: 'high' },
        { type: 'input_image', image: { id: 'file-img-1' } },
        { type: 'input_file', file: { url: 'https://example.com/report.pdf' }, filename: 'report.pdf' },
      ],
      providerData: { source: 'test' },
    },
  ],
  ['system message', { role: 'system', content: 'You are terse.' }],
  [
    'assistant message, text + refusal + audio',
    {
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      status: 'completed',
      phase: 'final_answer',
      content: [
        { type: 'output_text', text: 'Here it is.', providerData: { annotations: [] } },
        { type: 'refusal', refusal: 'not that part' },
        { type: 'audio', audio: 'UklGRg==', transcript: 'here it is' },
      ],
    },
  ],
  [
    'function call',
    {
      type: 'function_call',
      id: 'fc_1',
      callId: 'call_1',
      name: 'get_weather',
      namespace: 'tools',
      status: 'completed',
      arguments: '{"city":"Paris"}',
    },
  ],
  [
    'function call result, text',
    { type: 'function_call_result', callId: 'call_1', name: 'get_weather', status: 'completed', output: 'sunny' },
  ],
  [
    'function call result, structured image',
    {
      type: 'function_call_result',
      callId: 'call_2',
      name: 'screenshot',
      status: 'completed',
      output: { type: 'image', image: { data: 'iVBORw0KGgo=', mediaType: 'image/png' } },
    },
  ],
  [
    'reasoning with summary and raw content',
    {
      type: 'reasoning',
      id: 'rs_1',
      content: [{ type: 'input_text', text: 'first, look at the data' }],
      rawContent: [{ type: 'reasoning_text', text: 'the raw chain' }],
      providerData: { encryptedContent: 'gAAAAB...' },
    },
  ],
  [
    'hosted tool call',
    { type: 'hosted_tool_call', id: 'ws_1', name: 'web_search_call', status: 'completed', arguments: '{"query":"x"}', output: 'results' },
  ],
  [
    'computer call and result',
    { type: 'computer_call', id: 'cu_1', callId: 'cc_1', status: 'completed', action: { type: 'click', x: 10, y: 20, button: 'left' } },
  ],
  ['computer call result', { type: 'computer_call_result', callId: 'cc_1', output: { type: 'computer_screenshot', data: png } }],
  ['shell call', { type: 'shell_call', callId: 'sh_1', status: 'completed', action: { commands: ['ls -la'], timeoutMs: 1000 } }],
  [
    'shell call output',
    { type: 'shell_call_output', callId: 'sh_1', output: [{ stdout: 'a\nb\n', stderr: '', outcome: { type: 'exit', exitCode: 0 } }] },
  ],
  [
    'apply patch call and output',
    {
      type: 'apply_patch_call',
      callId: 'ap_1',
      status: 'completed',
      operation: { type: 'update_file', path: 'a.ts', diff: '@@ -1 +1 @@\n-a\n+b\n' },
    },
  ],
  ['apply patch call output', { type: 'apply_patch_call_output', callId: 'ap_1', status: 'completed', output: 'patched' }],
  [
    'tool search call',
    { type: 'tool_search_call', callId: 'ts_1', execution: 'server', arguments: { query: 'weather', paths: ['/x'] }, status: 'completed' },
  ],
  ['tool search output', { type: 'tool_search_output', callId: 'ts_1', tools: [{ type: 'tool_reference', functionName: 'get_weather' }] }],
  ['compaction', { type: 'compaction', id: 'cmp_1', encrypted_content: 'opaque-compacted-state', created_by: 'server' }],
  ['unknown item', { type: 'unknown', id: 'u_1', providerData: { anything: [1, { nested: true }] } }],
];

/** Strings an agent's text really holds, and the ones a careless `.slice` makes. */
const UNICODE_TEXTS: [string, string][] = [
  ['emoji with skin tone and ZWJ family', '👋🏽 👨‍👩‍👧‍👦 🏳️‍🌈'],
  ['combining marks and NFD/NFC twins', 'e\u0301 é Å Å'],
  ['right-to-left and bidi controls', 'שלום \u202Eabc\u202C مرحبا'],
  ['CJK and astral ideographs', '漢字 かな 𠀋 𝄞'],
  ['line and paragraph separators, BOM, zero-width', 'a\u2028b\u2029c\uFEFFd\u200Be'],
  ['U+0000 and other controls', 'before\u0000after\u0001\u001f\u007f'],
  ['a lone high surrogate (an emoji cut in half)', '👋🏽'.slice(0, 1)],
  ['a lone low surrogate', 'x\udc00y'],
  ['escapes JSON writers differ on', '</script> \u2028 "quoted" \\ back\\slash \t tab'],
];

/** Item shapes and strings come back exactly as they went in: every key, key order and character. */
describe('AgentsSession: every item shape and string', () => {
  const service = useService();
  const fresh = () => service.agentsSession(`agent_${randomUUID()}`, newUser('items'));

  it('uses only shapes the SDK itself accepts', () => {
    for (const [name, item] of ITEM_SHAPES)
      expect({ name, valid: protocol.ModelItem.safeParse(item).success }).toEqual({ name, valid: true });
  });

  it('stores every AgentInputItem shape and reads each back as the same JSON text', async () => {
    const session = fresh();
    const items = ITEM_SHAPES.map(([, item]) => item);
    await session.addItems(items);
    const stored = await session.getItems();
    expect(stored.map((item) => JSON.stringify(item))).toEqual(items.map((item) => JSON.stringify(item)));
    // The latest n and a pop answer the same text.
    expect(JSON.stringify(await session.getItems(3))).toBe(JSON.stringify(items.slice(-3)));
    expect(JSON.stringify(await session.popItem())).toBe(JSON.stringify(items.at(-1)));
  });

  it.each(UNICODE_TEXTS)('keeps %s in text, keys and provider data', async (_label, text) => {
    const session = fresh();
    const item: AgentInputItem = {
      role: 'user',
      content: [{ type: 'input_text', text }],
      providerData: { [text]: text, nested: { deeper: [text] } },
    };
    await session.addItems([item]);
    const [stored] = await session.getItems();
    expect(JSON.stringify(stored)).toBe(JSON.stringify(item));
  });

  it('keeps keys named like Object.prototype members, and integer-like keys after others', async () => {
    const session = fresh();
    const providerData = JSON.parse('{"z":1,"2":"two","__proto__":{"constructor":{"toString":"x"}},"hasOwnProperty":false,"1":"one"}');
    const item: AgentInputItem = { type: 'function_call', callId: 'c', name: 'f', arguments: '{}', providerData };
    await session.addItems([item]);
    const [stored] = await session.getItems();
    expect(JSON.stringify(stored)).toBe(JSON.stringify(item));
    expect(Object.keys(stored.providerData!)).toEqual(Object.keys(providerData));
  });

  it('gives bytes (Uint8Array) back as bytes, so the SDK keeps the image, and the text stored is the encoding the SDK uses', async () => {
    const user = newUser('items');
    const key = `agent_${randomUUID()}`;
    const session = service.agentsSession(key, user);
    const bytes = Uint8Array.from(Buffer.from(png.split(',')[1], 'base64'));
    const item: AgentInputItem = {
      type: 'function_call_result',
      callId: 'call_shot',
      name: 'screenshot',
      status: 'completed',
      output: { type: 'image', image: { data: bytes, mediaType: 'image/png' } },
    };
    // A plain object of the encoding's shape is data, and stays a plain object.
    const lookalike: AgentInputItem = {
      ...item,
      callId: 'call_lookalike',
      output: 'x',
      providerData: { __type: 'Uint8Array', data: 'AAE=' },
    };
    await session.addItems([item, lookalike]);

    const [stored, storedLookalike] = await session.getItems();
    expect(stored).toEqual(item);
    expect(((stored as typeof item & { output: { image: { data: unknown } } }).output.image.data as Uint8Array) instanceof Uint8Array).toBe(
      true,
    );
    expect(protocol.ModelItem.safeParse(stored).success).toBe(true);
    expect(storedLookalike).toEqual(lookalike);
    // As stored: base64, as the SDK serialises bytes (agentInputSerializationReplacer), not an object per byte.
    const client = new SessionStoreClient({ baseUrl: service.baseUrl(), token: tokenFor(user) });
    const id = (await client.api.GET('/api/v1/sessions/by-key/{key}', { params: { path: { key } } })).data!.id;
    const page = await client.api.GET('/api/v1/sessions/{id}/messages', { params: { path: { id }, query: { limit: 1000 } } });
    const content = page.data!.items[0].content as { output: { image: { data: unknown } } };
    expect(content.output.image.data).toEqual({ __type: 'Uint8Array', data: png.split(',')[1] });

    expect(await session.popItem()).toEqual(lookalike);
    expect(await session.popItem()).toEqual(item);
  });

  it('gives -0 back as 0 and NaN and Infinity as null (JSON has neither), and a number text the service kept as JSON.parse reads it', async () => {
    const user = newUser('items');
    const key = `agent_${randomUUID()}`;
    const session = service.agentsSession(key, user);
    const sent = {
      type: 'function_call',
      callId: 'c',
      name: 'f',
      arguments: '{}',
      providerData: { negativeZero: -0, nan: NaN, inf: -Infinity },
    };
    await session.addItems([sent as AgentInputItem]);
    const [stored] = await session.getItems();
    // toEqual tells 0 from -0.
    expect(stored.providerData).toEqual({ negativeZero: 0, nan: null, inf: null });

    // Another client's text is kept as sent; this client's JSON.parse reads -0 as -0, 1e400 as Infinity, 1.0 as 1.
    const token = tokenFor(user);
    const client = new SessionStoreClient({ baseUrl: service.baseUrl(), token });
    const id = (await client.api.GET('/api/v1/sessions/by-key/{key}', { params: { path: { key } } })).data!.id;
    const raw =
      '{"items":[{"role":"function_call","content":{"type":"function_call","callId":"r","name":"f","arguments":"{}","providerData":{"z":-0,"big":1e400,"one":1.0}}}]}';
    const answer = await fetch(`${service.baseUrl()}/api/v1/sessions/${id}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: raw,
    });
    expect(answer.status).toBe(201);
    expect(await answer.text()).toContain('"providerData":{"z":-0,"big":1e400,"one":1.0}');
    const [, other] = await session.getItems();
    expect(other.providerData).toEqual({ z: -0, big: Infinity, one: 1 });
  });
});

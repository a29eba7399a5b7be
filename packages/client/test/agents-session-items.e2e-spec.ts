import { protocol, type AgentInputItem } from '@openai/agents-core';
import { randomUUID } from 'node:crypto';
import { newUser } from '../../../test/factories/token.factory.js';
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
});

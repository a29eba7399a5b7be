import { describe, expect, it } from '@jest/globals';
import { partsOf } from './message-parts';

describe('partsOf', () => {
  it('reads a plain string as text', () => {
    expect(partsOf('hello')).toEqual([{ kind: 'text', text: 'hello' }]);
  });

  it('reads OpenAI Agents items: text, image, a function call with JSON arguments, its result', () => {
    const sut = partsOf([
      { type: 'input_text', text: 'look' },
      { type: 'input_image', image: 'data:image/png;base64,AAAA' },
      { type: 'function_call', callId: 'c1', name: 'search', arguments: '{"q":"eu"}' },
      { type: 'function_call_result', callId: 'c1', name: 'search', output: { type: 'text', text: 'found' } },
    ]);
    expect(sut).toEqual([
      { kind: 'text', text: 'look' },
      { kind: 'image', src: 'data:image/png;base64,AAAA', alt: 'image in the transcript' },
      { kind: 'tool-call', name: 'search', callId: 'c1', args: { q: 'eu' } },
      { kind: 'tool-result', name: 'search', callId: 'c1', output: 'found' },
    ]);
  });

  it('reads Anthropic-style items: tool_use with an input object, tool_result, a base64 image source', () => {
    const sut = partsOf([
      { type: 'tool_use', id: 't1', name: 'calc', input: { a: 1 } },
      { type: 'tool_result', tool_use_id: 't1', content: '2' },
      { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: 'BBBB' } },
    ]);
    expect(sut).toEqual([
      { kind: 'tool-call', name: 'calc', callId: 't1', args: { a: 1 } },
      { kind: 'tool-result', name: null, callId: 't1', output: '2' },
      { kind: 'image', src: 'data:image/jpeg;base64,BBBB', alt: 'image in the transcript' },
    ]);
  });

  it('keeps arguments that are not JSON as they are, and shows anything unknown as JSON', () => {
    expect(partsOf({ type: 'function_call', name: 'f', arguments: 'not json' })).toEqual([
      { kind: 'tool-call', name: 'f', callId: null, args: 'not json' },
    ]);
    expect(partsOf([{ type: 'reasoning', summary: [] }, 42, null])).toEqual([
      { kind: 'json', value: { type: 'reasoning', summary: [] } },
      { kind: 'json', value: 42 },
      { kind: 'json', value: null },
    ]);
  });

  it('opens a message item into its content', () => {
    expect(partsOf({ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'hi' }] })).toEqual([
      { kind: 'text', text: 'hi' },
    ]);
  });

  it('reads Chat Completions messages: an assistant with tool_calls, then the tool result by tool_call_id', () => {
    const call = {
      role: 'assistant',
      content: null,
      tool_calls: [
        { id: 'call_a', type: 'function', function: { name: 'convert', arguments: '{"amount":29}' } },
        { id: 'call_b', type: 'function', function: { name: 'lookup', arguments: 'not json' } },
      ],
    };
    expect(partsOf(call)).toEqual([
      { kind: 'tool-call', name: 'convert', callId: 'call_a', args: { amount: 29 } },
      { kind: 'tool-call', name: 'lookup', callId: 'call_b', args: 'not json' },
    ]);
    expect(partsOf({ role: 'tool', tool_call_id: 'call_a', content: '31.40 USD' })).toEqual([
      { kind: 'tool-result', name: null, callId: 'call_a', output: '31.40 USD' },
    ]);
    expect(
      partsOf({
        role: 'tool',
        tool_call_id: 'call_b',
        name: 'lookup',
        content: [
          { type: 'text', text: 'a' },
          { type: 'text', text: 'b' },
        ],
      }),
    ).toEqual([{ kind: 'tool-result', name: 'lookup', callId: 'call_b', output: 'a\nb' }]);
  });

  it('keeps the text beside Chat Completions tool calls, opens a plain chat message, and shows an empty one as JSON', () => {
    const sut = partsOf([
      { role: 'assistant', content: 'Checking.', tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }] },
      { role: 'user', content: [{ type: 'text', text: 'hi' }] },
    ]);
    expect(sut).toEqual([
      { kind: 'text', text: 'Checking.' },
      { kind: 'tool-call', name: 'f', callId: 'c', args: {} },
      { kind: 'text', text: 'hi' },
    ]);
    expect(partsOf({ role: 'assistant', content: null, tool_calls: [] })).toEqual([
      { kind: 'json', value: { role: 'assistant', content: null, tool_calls: [] } },
    ]);
    expect(partsOf({ role: 'assistant', tool_calls: [{ id: 'x', type: 'custom' }] })).toEqual([
      { kind: 'json', value: { id: 'x', type: 'custom' } },
    ]);
  });
});

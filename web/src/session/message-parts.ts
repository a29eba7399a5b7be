/**
 * What a message's `content` holds, by kind. `content` is any JSON: a string, or the items an
 * agent SDK produces (OpenAI Agents: `input_text`/`output_text`, `input_image`, `function_call`
 * with JSON `arguments`, `function_call_result` with its `output`; Anthropic-style `text`, `image`,
 * `tool_use`, `tool_result`; Chat Completions messages: `tool_calls` of an assistant, a `role: 'tool'`
 * result with its `tool_call_id`). Anything else is shown as JSON, never dropped.
 */
export type Part =
  | { kind: 'text'; text: string }
  | { kind: 'image'; src: string | null; alt: string }
  | { kind: 'tool-call'; name: string; callId: string | null; args: unknown }
  | { kind: 'tool-result'; name: string | null; callId: string | null; output: unknown }
  | { kind: 'json'; value: unknown };

type Item = Record<string, unknown>;

const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/** Arguments arrive as JSON text (OpenAI) or an object (Anthropic): parsed when they parse. */
function parsedArgs(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

const isTextItem = (item: unknown): item is { text: string } =>
  !!item && typeof item === 'object' && (item as Item).type === 'text' && typeof (item as Item).text === 'string';

/** A tool's output of text items (`{ type: 'text', text }`, one or a list) reads as that text. */
function textOf(output: unknown): unknown {
  if (isTextItem(output)) return output.text;
  if (Array.isArray(output) && output.length > 0 && output.every(isTextItem)) return output.map((item) => item.text).join('\n');
  return output;
}

function imageSource(item: Item): string | null {
  const image = item.image_url ?? item.image ?? item.url;
  if (typeof image === 'string') return image;
  if (image && typeof image === 'object' && typeof (image as Item).url === 'string') return (image as Item).url as string;
  const source = item.source as Item | undefined;
  if (source?.type === 'base64' && typeof source.data === 'string')
    return `data:${str(source.media_type) ?? 'image/png'};base64,${source.data}`;
  return null;
}

/**
 * A Chat Completions message (`{ role, content, tool_calls? }`, or `{ role: 'tool', tool_call_id,
 * content }`): its text, then one part per function call; a tool's message is that call's result.
 */
function chatMessageParts(it: Item): Part[] {
  if (it.role === 'tool' || typeof it.tool_call_id === 'string')
    return [{ kind: 'tool-result', name: str(it.name), callId: str(it.tool_call_id), output: textOf(it.content) }];
  const text = it.content === null || it.content === undefined || it.content === '' ? [] : partsOf(it.content);
  const calls = Array.isArray(it.tool_calls) ? it.tool_calls : [];
  const parts = [...text, ...calls.map(toolCallPart)];
  return parts.length ? parts : [{ kind: 'json', value: it }];
}

function toolCallPart(call: unknown): Part {
  const fn = (call as Item | null)?.function as Item | undefined;
  if (!fn || typeof fn !== 'object') return { kind: 'json', value: call };
  return { kind: 'tool-call', name: str(fn.name) ?? 'tool', callId: str((call as Item).id), args: parsedArgs(fn.arguments) };
}

const isChatMessage = (it: Item): boolean =>
  it.type === undefined && typeof it.role === 'string' && ('content' in it || Array.isArray(it.tool_calls));

function partOf(item: unknown): Part[] {
  if (typeof item === 'string') return [{ kind: 'text', text: item }];
  if (!item || typeof item !== 'object' || Array.isArray(item)) return [{ kind: 'json', value: item }];
  const it = item as Item;
  if (isChatMessage(it)) return chatMessageParts(it);
  switch (it.type) {
    case 'text':
    case 'input_text':
    case 'output_text':
      return typeof it.text === 'string' ? [{ kind: 'text', text: it.text }] : [{ kind: 'json', value: it }];
    case 'image':
    case 'input_image':
    case 'image_url':
      return [{ kind: 'image', src: imageSource(it), alt: str(it.alt) ?? 'image in the transcript' }];
    case 'function_call':
    case 'tool_call':
    case 'tool_use':
      return [
        {
          kind: 'tool-call',
          name: str(it.name) ?? 'tool',
          callId: str(it.callId ?? it.call_id ?? it.id),
          args: parsedArgs(it.arguments ?? it.input),
        },
      ];
    case 'function_call_result':
    case 'function_call_output':
    case 'tool_result':
      return [
        {
          kind: 'tool-result',
          name: str(it.name),
          callId: str(it.callId ?? it.call_id ?? it.tool_use_id),
          output: textOf(it.output ?? it.content),
        },
      ];
    case 'message':
      return partsOf(it.content);
    default:
      return [{ kind: 'json', value: it }];
  }
}

export function partsOf(content: unknown): Part[] {
  return Array.isArray(content) ? content.flatMap(partOf) : partOf(content);
}

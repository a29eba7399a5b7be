import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { type ObjectSpans, scanJsonBody } from '../../common/json-spans.js';
import type { ImportedMessage } from '../../messages/history-imports.js';
import { type ImportSource, RowRefused, type SourceEntry, SourceUnavailableError } from '../import-source.js';
import { isRole, jsonTextOf, timeOf } from '../source-rows.js';

export const JSONL_FORMAT = 'session-store/v1';

/**
 * The store's own export: one session per line, `{"format":"session-store/v1","session":{...},
 * "messages":[...]}`, each as the API shows it. Content and metadata are taken as the line's own
 * text slices (json-spans.ts), never parsed and re-written, so a history comes back byte for byte.
 * The session's key here is its key there, else its id.
 */
export class JsonlSource implements ImportSource {
  readonly name: string;

  private constructor(private readonly location: string) {
    this.name = `jsonl:${location}`;
  }

  static async open(file: string): Promise<JsonlSource> {
    const location = resolve(file);
    try {
      await (await open(location, 'r')).close();
    } catch (error) {
      throw new SourceUnavailableError(`cannot open ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    return new JsonlSource(location);
  }

  total(): Promise<undefined> {
    return Promise.resolve(undefined);
  }

  async *entries(): AsyncIterable<SourceEntry> {
    const lines = createInterface({ input: createReadStream(this.location, { encoding: 'utf8' }), crlfDelay: Infinity });
    let number = 0;
    for await (const line of lines) {
      number++;
      if (line.trim() === '') continue;
      yield await entryOf(line, number);
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

async function entryOf(line: string, number: number): Promise<SourceEntry> {
  let parsed: { format?: unknown; session?: { id?: unknown; key?: unknown }; messages?: unknown };
  try {
    parsed = JSON.parse(line);
  } catch {
    return { refused: { id: `line ${number}`, messages: 0, reason: `line ${number} is not JSON` } };
  }
  const id = parsed?.session?.key ?? parsed?.session?.id;
  if (typeof id !== 'string') return { refused: { id: `line ${number}`, messages: 0, reason: `line ${number}: no session` } };
  const count = Array.isArray(parsed.messages) ? parsed.messages.length : 0;
  try {
    return { session: await sessionOf(line, parsed, id) };
  } catch (error) {
    if (!(error instanceof RowRefused)) throw error;
    return { refused: { id, messages: count, reason: `line ${number}: ${error.message}` } };
  }
}

async function sessionOf(line: string, parsed: any, id: string) {
  if (parsed.format !== JSONL_FORMAT) throw new RowRefused(`format is not ${JSONL_FORMAT}`);
  if (!Array.isArray(parsed.messages)) throw new RowRefused('messages is not a list');
  const scan = await scanJsonBody(line);
  if (scan.refused) throw new RowRefused('nested too deep');
  const slice = (object: ObjectSpans, text: string, key: string) => {
    const span = object.member(text, key);
    return span ? text.slice(span.start, span.end) : undefined;
  };
  const sessionSpan = scan.root.member(line, 'session')!;
  const sessionText = line.slice(sessionSpan.start, sessionSpan.end);
  const sessionScan = await scanJsonBody(sessionText);
  if (sessionScan.refused) throw new RowRefused('nested too deep');
  const elements = scan.root.member(line, 'messages')!.elements ?? [];
  const messages = parsed.messages.map((message: any, index: number): ImportedMessage => {
    const spans = elements[index];
    if (!spans || !isRole(message.role)) throw new RowRefused(`message ${index + 1} has no usable role`);
    const content = slice(spans, line, 'content');
    if (content === undefined) throw new RowRefused(`message ${index + 1} has no content`);
    return {
      role: message.role,
      content: jsonTextOf(content, `message ${index + 1}: content`),
      metadata: jsonTextOf(slice(spans, line, 'metadata') ?? '{}', `message ${index + 1}: metadata`),
      createdAt: timeOf(message.createdAt, `message ${index + 1}: createdAt`),
    };
  });
  const session = parsed.session;
  return {
    id,
    messages,
    createdAt: timeOf(session.createdAt, 'session createdAt'),
    updatedAt: timeOf(session.updatedAt, 'session updatedAt'),
    title: typeof session.title === 'string' ? session.title : null,
    problemStatement: typeof session.problemStatement === 'string' ? session.problemStatement : null,
    context: slice(sessionScan.root, sessionText, 'context'),
    metadata: slice(sessionScan.root, sessionText, 'metadata'),
  };
}

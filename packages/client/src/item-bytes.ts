import { encodeUint8ArrayToBase64 } from '@openai/agents-core/utils';

/*
 * JSON has no bytes: JSON.stringify writes a Uint8Array (an image's or a file's data in an item) as
 * an object of index keys, which the SDK then no longer takes for data and drops. Bytes are stored
 * as the SDK serialises them itself (agents-core's serializeBinary: `{"__type":"Uint8Array",
 * "data":"<base64>"}`), and the message's metadata lists where they are, so that a read turns
 * exactly those back into a Uint8Array (as MemorySession gives them back) and a plain object of
 * that shape stays a plain object.
 */

/** Where bytes are in a stored item: keys and indexes from its root. */
export type BytesPath = Array<string | number>;

interface EncodedBytes {
  __type: 'Uint8Array';
  data: string;
}

/** The item with each Uint8Array encoded, and where they were; the item itself when it holds none. */
export function encodeBytes(item: unknown): { content: unknown; paths: BytesPath[] } {
  const paths: BytesPath[] = [];
  const content = encode(item, [], paths, new WeakSet());
  return { content: paths.length ? content : item, paths };
}

/** The stored item with the bytes at `paths` decoded; anything else as stored. */
export function decodeBytes(content: unknown, paths: unknown): unknown {
  if (!Array.isArray(paths) || paths.length === 0) return content;
  let root = content;
  for (const path of paths) {
    if (!Array.isArray(path)) continue;
    if (path.length === 0) {
      root = bytesOf(root) ?? root;
      continue;
    }
    const parent = path.slice(0, -1).reduce<unknown>((node, key) => (isContainer(node) ? node[key as string] : undefined), root);
    const key = path[path.length - 1] as string;
    if (!isContainer(parent)) continue;
    const bytes = bytesOf(parent[key]);
    if (bytes) parent[key] = bytes;
  }
  return root;
}

// Walks what JSON.stringify walks (arrays and plain objects); a copy only where bytes are below.
function encode(value: unknown, path: BytesPath, paths: BytesPath[], ancestors: WeakSet<object>): unknown {
  if (value instanceof Uint8Array) {
    paths.push(path);
    return { __type: 'Uint8Array', data: encodeUint8ArrayToBase64(value) } satisfies EncodedBytes;
  }
  if (!value || typeof value !== 'object' || ancestors.has(value)) return value;
  // A cycle is left to JSON.stringify, which refuses it.
  ancestors.add(value);
  try {
    const found = paths.length;
    if (Array.isArray(value)) {
      const copy = value.map((entry, index) => encode(entry, [...path, index], paths, ancestors));
      return paths.length > found ? copy : value;
    }
    const prototype: unknown = Object.getPrototypeOf(value);
    if (prototype !== Object.prototype && prototype !== null) return value;
    const copy: Record<string, unknown> = {};
    for (const [key, entry] of Object.entries(value)) {
      // defineProperty rather than assignment: a `__proto__` key stays a key.
      Object.defineProperty(copy, key, {
        value: encode(entry, [...path, key], paths, ancestors),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return paths.length > found ? copy : value;
  } finally {
    ancestors.delete(value);
  }
}

function isContainer(node: unknown): node is Record<string | number, unknown> {
  return node !== null && typeof node === 'object';
}

function bytesOf(node: unknown): Uint8Array | undefined {
  if (!isContainer(node) || node.__type !== 'Uint8Array' || typeof node.data !== 'string') return undefined;
  return decodeBase64(node.data);
}

function decodeBase64(text: string): Uint8Array {
  // A Uint8Array of this realm (a Buffer is one, of Node's realm, which a sandbox may not share).
  const { Buffer } = globalThis as { Buffer?: { from(text: string, encoding: 'base64'): Uint8Array } };
  if (Buffer) return new Uint8Array(Buffer.from(text, 'base64'));
  const binary = globalThis.atob(text);
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}

import {
  protocol,
  UserError,
  type AgentInputItem,
  type SessionHistoryTransaction,
  type SessionHistoryTransactionArgs,
} from '@openai/agents-core';

/*
 * The checks MemorySession (agents-core 0.20) makes on a history transaction before it changes
 * anything, with the same error messages, so that a runner sees the same failures from either
 * session. The snapshot is then sent as JSON, which is what the service stores.
 */

const INVALID_ITEMS = 'Session history transaction items contain invalid or unsupported data.';

export interface TransactionSnapshot {
  operationId: string;
  transaction: SessionHistoryTransaction;
}

/** Reads `operationId` and `transaction` once each and checks them as MemorySession does. */
export function snapshotTransactionArgs(args: SessionHistoryTransactionArgs): TransactionSnapshot {
  let operationId: unknown;
  let transaction: unknown;
  try {
    if (!args || typeof args !== 'object') throw new Error('Missing transaction arguments.');
    operationId = Reflect.get(args, 'operationId');
    transaction = Reflect.get(args, 'transaction');
  } catch {
    throw new UserError('Session history transaction arguments are invalid.');
  }
  if (typeof operationId !== 'string' || !operationId.trim()) {
    throw new UserError('Session history transaction operationId must be a non-empty string.');
  }
  if (!transaction || typeof transaction !== 'object') throw new UserError('Session history transaction must be an object.');
  return { operationId, transaction: snapshotTransaction(transaction) };
}

function snapshotTransaction(transaction: object): SessionHistoryTransaction {
  let record: Record<string, unknown>;
  try {
    record = snapshotValue(transaction) as Record<string, unknown>;
    structuredClone(transaction);
  } catch {
    throw new UserError(INVALID_ITEMS);
  }
  const fields = Object.keys(record).sort().join();
  if (record.type === 'append_items') {
    if (fields !== 'items,type' || !Array.isArray(record.items))
      throw new UserError('Session history append transaction fields are invalid.');
    return { type: 'append_items', items: modelItems(record.items) };
  }
  if (record.type !== 'replace_suffix') throw new UserError('Unsupported session history transaction type.');
  if (fields !== 'expectedSuffix,replacement,type' || !Array.isArray(record.expectedSuffix) || !Array.isArray(record.replacement)) {
    throw new UserError('Session history suffix transaction fields are invalid.');
  }
  return { type: 'replace_suffix', expectedSuffix: modelItems(record.expectedSuffix), replacement: modelItems(record.replacement) };
}

function modelItems(items: unknown[]): AgentInputItem[] {
  if (!items.every((item) => protocol.ModelItem.safeParse(item).success)) throw new UserError(INVALID_ITEMS);
  return items as AgentInputItem[];
}

/**
 * A copy made of plain data only: own enumerable data properties of plain objects, dense arrays,
 * primitives and byte arrays; anything else (dates, bigints, symbols, accessors, cycles, proxies of
 * arrays, other typed arrays) throws, as MemorySession's snapshot does.
 */
function snapshotValue(value: unknown, ancestors = new WeakSet<object>()): unknown {
  if (value === null || value === undefined || ['string', 'boolean', 'number'].includes(typeof value)) return value;
  if (typeof value !== 'object') throw new Error('unsupported');
  if (value instanceof Uint8Array) return Uint8Array.from(value);
  if (ancestors.has(value)) throw new Error('cyclic');
  ancestors.add(value);
  try {
    const keys = Reflect.ownKeys(value);
    if (Array.isArray(value)) {
      if (keys.length !== value.length + 1) throw new Error('sparse or extended array');
      return Array.from({ length: value.length }, (_, index) => snapshotValue(dataProperty(value, String(index)), ancestors));
    }
    const prototype: unknown = Object.getPrototypeOf(value);
    if (prototype !== Object.prototype && prototype !== null) throw new Error('not a plain object');
    const copy: Record<string, unknown> = {};
    for (const key of keys) {
      if (typeof key !== 'string') throw new Error('symbol key');
      // defineProperty rather than assignment: a `__proto__` key stays a key.
      Object.defineProperty(copy, key, {
        value: snapshotValue(dataProperty(value, key), ancestors),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return copy;
  } finally {
    ancestors.delete(value);
  }
}

function dataProperty(owner: object, key: string): unknown {
  const descriptor = Object.getOwnPropertyDescriptor(owner, key);
  if (!descriptor?.enumerable || !('value' in descriptor)) throw new Error('not a data property');
  return descriptor.value;
}

/**
 * JSON text with every object's keys sorted: two values that MemorySession's structural
 * comparison finds equal have the same canonical text (values are compared as stored, i.e. as JSON).
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) => {
    if (!inner || typeof inner !== 'object' || Array.isArray(inner)) return inner;
    // Bytes go out as JSON.stringify sends them: an object of index keys.
    const source = inner instanceof Uint8Array ? Object.fromEntries(inner.entries()) : (inner as Record<string, unknown>);
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(source).sort()) {
      Object.defineProperty(sorted, key, { value: source[key], enumerable: true, writable: true, configurable: true });
    }
    return sorted;
  });
}

/** A transaction's identity: SHA-256 of its canonical JSON, hex. */
export async function digest(text: string): Promise<string> {
  const bytes = await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(bytes), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

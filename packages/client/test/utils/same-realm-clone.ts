/**
 * Jest runs a spec in its own VM context but hands it the host's `structuredClone`, whose copies
 * are objects of the host realm. MemorySession compares items by prototype (`Object.prototype`),
 * so its copies never match items made in the spec, a split that no real program has. While this
 * is installed, `structuredClone` clones as before (same checks, same errors) and rebuilds the copy
 * from this realm's objects.
 */
export function installSameRealmClone(): () => void {
  const hostClone = globalThis.structuredClone;
  globalThis.structuredClone = ((value: unknown, options?: Parameters<typeof structuredClone>[1]) =>
    inThisRealm(hostClone(value, options))) as typeof structuredClone;
  return () => {
    globalThis.structuredClone = hostClone;
  };
}

function inThisRealm(value: unknown): unknown {
  if (!value || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(inThisRealm);
  if (ArrayBuffer.isView(value) && value.constructor.name === 'Uint8Array') return new Uint8Array(value as Uint8Array);
  const prototype: unknown = Object.getPrototypeOf(value);
  const plain = prototype === null || Object.getPrototypeOf(prototype) === null;
  if (!plain) return value;
  const copy: Record<string, unknown> = prototype === null ? Object.create(null) : {};
  for (const [key, inner] of Object.entries(value)) {
    Object.defineProperty(copy, key, { value: inThisRealm(inner), enumerable: true, writable: true, configurable: true });
  }
  return copy;
}

/** A server URL as it may be printed and kept in metadata.importedFrom: without its password. */
export function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (!parsed.password) return url;
    parsed.password = '';
    return parsed.toString();
  } catch {
    return url;
  }
}

export const DEFAULT_TABLES = { sessionsTable: 'agent_sessions', messagesTable: 'agent_messages' };

/**
 * `kind:location`, as kept in metadata.importedFrom.source; what picks other data at the same
 * location (tables or a key prefix other than the SDK's defaults) follows a `#`, so that two such
 * imports are never taken for one (a rerun appends only to sessions of the same source).
 */
export function sourceName(kind: string, location: string, nonDefault: Array<[value: string, byDefault: string]> = []): string {
  const picks = nonDefault.some(([value, byDefault]) => value !== byDefault) ? `#${nonDefault.map(([value]) => value).join(',')}` : '';
  return `${kind}:${location}${picks}`;
}

export function tablesPicked(tables: { sessionsTable: string; messagesTable: string }): Array<[string, string]> {
  return [
    [tables.sessionsTable, DEFAULT_TABLES.sessionsTable],
    [tables.messagesTable, DEFAULT_TABLES.messagesTable],
  ];
}

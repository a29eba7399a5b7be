/** Where an imported session came from: metadata.importedFrom. */
export interface ImportedFrom {
  source: string;
  id: string;
  importedAt: string;
}

/**
 * The session's metadata with `importedFrom` added: the source's own text kept as it is, the
 * member spliced in before its closing brace; a text that already has an importedFrom (an export
 * of an imported session) gets it replaced. Null when the source's metadata is not an object.
 */
export function importedMetadata(text: string | undefined, from: ImportedFrom): string | null {
  const member = `"importedFrom":${JSON.stringify(from)}`;
  if (text === undefined) return `{${member}}`;
  const value = JSON.parse(text) as unknown;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  if ('importedFrom' in value) return JSON.stringify({ ...value, importedFrom: from });
  const body = text.slice(1, -1);
  return body.trim() === '' ? `{${member}}` : `{${body},${member}}`;
}

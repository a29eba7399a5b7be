/** A piece of a snippet: the search's match (`hit`) or the text around it. */
export interface Piece {
  text: string;
  hit: boolean;
}

/**
 * The snippet cut at every case-insensitive occurrence of the query. The service collapses the
 * snippet's whitespace, so the query's is collapsed too; the query is literal text, not a pattern.
 */
export function highlight(snippet: string, query: string): Piece[] {
  const needle = query.trim().replace(/\s+/g, ' ');
  if (!needle) return [{ text: snippet, hit: false }];
  const pattern = new RegExp(needle.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&'), 'giu');
  const pieces: Piece[] = [];
  let at = 0;
  for (const match of snippet.matchAll(pattern)) {
    if (match.index > at) pieces.push({ text: snippet.slice(at, match.index), hit: false });
    pieces.push({ text: match[0], hit: true });
    at = match.index + match[0].length;
  }
  if (at < snippet.length) pieces.push({ text: snippet.slice(at), hit: false });
  return pieces;
}

/** What an If-Match header asks for: the session as it is (`*`), or one of these versions. */
export type IfMatch = { any: true } | { versions: number[] };

// version is an integer column: a larger number names no version, it is not a bad request.
const MAX_VERSION = 2 ** 31 - 1;
const ENTITY_TAG = /(?:W\/)?"[^"]*"/g;
const STRONG_VERSION_TAG = /^"(0|[1-9]\d{0,9})"$/;

/**
 * If-Match as RFC 9110 defines it: `*`, or a list of entity tags of which any may match, compared
 * strongly, so a weak tag (W/"5") matches nothing. A tag this service could not have issued
 * leaves the list empty, and an empty list is a 412 like any stale one.
 */
export function parseIfMatch(header: string): IfMatch {
  const tags = strongEntityTags(header);
  if (tags === '*') return { any: true };
  const versions = tags
    .map((tag) => STRONG_VERSION_TAG.exec(tag)?.[1])
    .filter((digits): digits is string => digits !== undefined)
    .map(Number)
    .filter((version) => version <= MAX_VERSION);
  return { versions };
}

/**
 * The parsing rules above for any resource's tags (the history's too): `*`, or the strong entity
 * tags listed, quotes included; weak ones are dropped, as strong comparison never matches them.
 */
export function strongEntityTags(header: string): '*' | string[] {
  if (header.trim() === '*') return '*';
  return (header.match(ENTITY_TAG) ?? []).filter((tag) => !tag.startsWith('W/'));
}

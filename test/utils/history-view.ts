import type { Api } from '../factories/api.factory.js';

/** A history as its owner reads it (limit=all): each message's seq and content, oldest first. */
export async function historyOf(api: Api, id: string): Promise<Array<{ seq: number; content: unknown }>> {
  const { body } = await api.get(`/sessions/${id}/messages?limit=all`).expect(200);
  return body.items.map(({ seq, content }: { seq: number; content: unknown }) => ({ seq, content }));
}

/**
 * The counters a client sees: the history's ETag (`"h<lastSeq>.<messageCount>"`, history-etag.ts)
 * and the session's (its row's version), so "changed nothing" covers the row as well as the rows.
 */
export async function countersOf(
  api: Api,
  id: string,
): Promise<{ history: string; session: string; messageCount: number; trimmedThroughSeq: number }> {
  const history = (await api.get(`/sessions/${id}/messages?limit=0`).expect(200)).headers.etag;
  const { headers, body } = await api.get(`/sessions/${id}`).expect(200);
  return { history, session: headers.etag, messageCount: body.messageCount, trimmedThroughSeq: body.trimmedThroughSeq };
}

/** The history ETag of `lastSeq` and `messageCount`, to compare with countersOf(...).history. */
export const historyTag = (lastSeq: number, messageCount: number) => `"h${lastSeq}.${messageCount}"`;

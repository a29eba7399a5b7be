import { applyDecorators } from '@nestjs/common';
import { ApiHeader, ApiPayloadTooLargeResponse, ApiPreconditionFailedResponse } from '@nestjs/swagger';

/* The OpenAPI side of the history's headers, written once for every route that takes or gives them. */

/** The `headers` of a response that carries the history's ETag. */
export const HISTORY_ETAG = {
  ETag: {
    description: 'the history\'s ETag (e.g. "h12.10") after this request: pass it as If-Match to write only if nothing changed since',
    schema: { type: 'string' },
  },
};

/** If-Match on a history write, and its 412. */
export function HistoryIfMatch(): MethodDecorator {
  return applyDecorators(
    ApiHeader({
      name: 'If-Match',
      required: false,
      description: "the history's ETag from a previous answer (or `*`): 412 PRECONDITION_FAILED, and nothing changed, when it is stale",
    }),
    ApiPreconditionFailedResponse({ description: 'If-Match is stale; nothing changed (the body carries currentEtag)' }),
  );
}

/** Idempotency-Key and the body limit of an append or replace. */
export function HistoryWriteHeaders(): MethodDecorator {
  return applyDecorators(
    HistoryIfMatch(),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description:
        'per session, 1..255 visible ASCII characters: a repeat answers with the first answer (same items and seqs) ' +
        'and writes nothing, whatever its body; remembered at least 24 h, forgotten when the messages it wrote are removed',
    }),
    ApiPayloadTooLargeResponse({
      description:
        'the body is over MESSAGES_BODY_LIMIT_BYTES, or holds more than MESSAGES_MAX_ITEMS items (TOO_MANY_ITEMS); nothing was stored',
    }),
  );
}

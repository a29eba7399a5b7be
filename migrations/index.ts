import { CreateSessionsAndMessages1764057600000 } from './1764057600000-create-sessions-and-messages.js';
import { CreateSessionTransitions1764144000000 } from './1764144000000-create-session-transitions.js';
import { CreateCleanupRuns1764230400000 } from './1764230400000-create-cleanup-runs.js';
import { IdempotencyKeyFreeAfterDelete1764316800000 } from './1764316800000-idempotency-key-free-after-delete.js';
import { AddMessageTextBytes1764403200000 } from './1764403200000-add-message-text-bytes.js';
import { AddSessionKey1764489600000 } from './1764489600000-add-session-key.js';
import { FreeFormJsonAsSent1764576000000 } from './1764576000000-free-form-json-as-sent.js';
import { CreateMessageAppends1764590400000 } from './1764590400000-create-message-appends.js';
import { AddTitleSearchIndex1764835200000 } from './1764835200000-add-title-search-index.js';
import { SessionsFillfactor1764921600000 } from './1764921600000-sessions-fillfactor.js';
import { KeepRemovedKeyedMessages1765000000000 } from './1765000000000-keep-removed-keyed-messages.js';
import { AddSessionClaimedAt1765100000000 } from './1765100000000-add-session-claimed-at.js';
import { AddSessionForkedFrom1765200000000 } from './1765200000000-add-session-forked-from.js';
import { AddHistoryLimit1765300000000 } from './1765300000000-add-history-limit.js';
import { AddMessageSearch1765400000000 } from './1765400000000-add-message-search.js';
import { StoreMessageSearchText1765500000000 } from './1765500000000-store-message-search-text.js';

// Listed explicitly (not globbed) so the app, the CLI and the tests run the same set in ESM.
export const migrations = [
  CreateSessionsAndMessages1764057600000,
  CreateSessionTransitions1764144000000,
  CreateCleanupRuns1764230400000,
  IdempotencyKeyFreeAfterDelete1764316800000,
  AddMessageTextBytes1764403200000,
  AddSessionKey1764489600000,
  FreeFormJsonAsSent1764576000000,
  CreateMessageAppends1764590400000,
  AddTitleSearchIndex1764835200000,
  SessionsFillfactor1764921600000,
  KeepRemovedKeyedMessages1765000000000,
  AddSessionClaimedAt1765100000000,
  AddSessionForkedFrom1765200000000,
  AddHistoryLimit1765300000000,
  AddMessageSearch1765400000000,
  StoreMessageSearchText1765500000000,
];

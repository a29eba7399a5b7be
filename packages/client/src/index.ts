export { SessionStoreClient, SessionStoreError, dataOf } from './session-store-client.js';
export type {
  components,
  paths,
  Message,
  MessageHit,
  SearchOptions,
  Session,
  SessionStoreClientOptions,
  TokenSource,
} from './session-store-client.js';
export type { RetryOptions } from './retrying-fetch.js';
export { AgentsSession } from './agents-session.js';
export type { AgentsSessionOptions } from './agents-session.js';

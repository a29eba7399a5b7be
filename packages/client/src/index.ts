export { SessionStoreClient, SessionStoreError, actionsAcceptedFrom, dataOf, sessionStatuses } from './session-store-client.js';
export type {
  components,
  paths,
  ForkBody,
  ForkOptions,
  Message,
  MessageHit,
  SearchOptions,
  Session,
  SessionStatus,
  SessionStoreClientOptions,
  TokenSource,
} from './session-store-client.js';
export type { RetryOptions } from './retrying-fetch.js';
export { AgentsSession } from './agents-session.js';
export type { AgentsForkOptions, AgentsSessionOptions } from './agents-session.js';

/** One event as the log holds it; `data` is its JSON, written once and sent as is. */
export interface LoggedEvent {
  id: string;
  userId: string;
  type: string;
  sessionId: string;
  data: string;
}

export type NewEvent = Omit<LoggedEvent, 'id'> & { eventId: string };

export type FeedListener = (event: LoggedEvent) => void;

/**
 * Where events are kept for replay: each user's events in id order, for the retention. Redis Streams
 * (EventLog) serve every instance; InProcessEvents serves the one instance that runs without Redis.
 * An abstract class so that it is its own injection token (events.module.ts picks the one).
 */
export abstract class EventStore {
  /** False when there is nowhere to keep events: the routes answer 503 EVENTS_UNAVAILABLE. */
  abstract readonly enabled: boolean;
  /** Keeps the event and answers its id, later than every id before it. */
  abstract append(event: NewEvent): Promise<string>;
  /** Up to `count` of the user's events after `afterId`, oldest first. */
  abstract userEventsAfter(userId: string, afterId: string, count: number): Promise<LoggedEvent[]>;
  /** The id of the user's latest event (`fallback` when there is none): "from now on". */
  abstract userTail(userId: string, fallback: string): Promise<string>;
}

/** The live events of this instance's subscribers, by user: EventFeedReader (Redis) or InProcessEvents. */
export abstract class EventFeed {
  /**
   * Listens to the user's events from now on. Resolves once every later event will reach the
   * listener, so a replay read after it overlaps the live events and misses none. Rejects (the
   * listener detached) when the events cannot be followed.
   */
  abstract attach(userId: string, listener: FeedListener): Promise<void>;
  abstract detach(userId: string, listener: FeedListener): void;
}

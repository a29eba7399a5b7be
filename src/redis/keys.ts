import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { controlConfig, redisConfig } from '../config/app.config.js';

/*
 * Every Redis key and TTL the service writes. Session copies sit under a fixed prefix (client
 * tracking subscribes to it), the rest under CONTROL_KEY_PREFIX. Hash tags keep each script's keys
 * in one Cluster slot (docs/operations.md, "Redis Cluster").
 */
export const SESSION_KEY_PREFIX = 'session:';
export const sessionKey = (id: string): string => `${SESSION_KEY_PREFIX}{${id}}`;
/** The session id in a session key (as Redis's invalidations name it). */
export const sessionIdOfKey = (key: string): string => key.slice(SESSION_KEY_PREFIX.length + 1, -1);

/** A list: the history's state ("<lastSeq>.<messageCount>") first, then its latest messages, oldest first. */
export const historyTailKey = (id: string): string => `history-tail:{${id}}`;

/** `{<prefix>:live}:<session id>`: the live progress hash of a running session (its dirty set's slot). */
export const liveKeyPrefix = (controlPrefix: string): string => `{${controlPrefix}:live}:`;
/** The set of sessions whose live progress has not reached PostgreSQL yet. */
export const liveDirtyKey = (controlPrefix: string): string => `${liveKeyPrefix(controlPrefix)}-dirty`;
/** BullMQ's prefix: one tag, so that each queue's keys share a slot (its scripts take several). */
export const queuePrefix = (controlPrefix: string): string => `{${controlPrefix}}`;
export const cancelChannel = (controlPrefix: string): string => `${controlPrefix}:cancel`;
/** Published with a remote handler's name when its work is queued: waiting claims look again. */
export const workReadyChannel = (controlPrefix: string): string => `${controlPrefix}:work-ready`;
/** `{<prefix>:work}:lease:<lease id>`: a remote worker's lease (session, handler, user, state). */
export const leaseKeyPrefix = (controlPrefix: string): string => `{${controlPrefix}:work}:lease:`;
/** The live leases by expiry time (ms): the lease sweeper takes those past it. */
export const leaseExpiriesKey = (controlPrefix: string): string => `{${controlPrefix}:work}:leases`;
/** `<prefix>:rate:<window>`: a hash of each user's requests in one rate-limit window, shared by every instance. */
export const rateLimitKey = (controlPrefix: string, window: number): string => `${controlPrefix}:rate:${window}`;

/*
 * The events' keys share one tag: one append writes the feed, the user's stream and the seen key
 * together, so on a cluster they all sit in one slot (one master carries every event).
 */
const eventsTag = (controlPrefix: string): string => `{${controlPrefix}:events}`;
/** `{<prefix>:events}:user:<user id>`: one user's events (SSE replay with Last-Event-ID); nobody else's land there. */
export const eventsUserKey = (controlPrefix: string, userId: string): string => `${eventsTag(controlPrefix)}:user:${userId}`;
/** Every user's events in one stream, with the same ids: what each instance's one reader follows live. */
export const eventsFeedKey = (controlPrefix: string): string => `${eventsTag(controlPrefix)}:feed`;
/** Marks an event as appended, so a retry after a timed-out append (it may have run) does not add it twice. */
export const eventSeenKey = (controlPrefix: string, eventId: string): string => `${eventsTag(controlPrefix)}:seen:${eventId}`;
/** `<prefix>:events:streams:<user id>`: the user's open event streams, each with the time its entry expires (a sorted set). */
export const eventStreamsKey = (controlPrefix: string, userId: string): string => `${controlPrefix}:events:streams:${userId}`;
/** `<prefix>:written-lsn:<user id>`: the primary's WAL position after the user's last write (read replicas' read-your-writes). */
export const writtenLsnKey = (controlPrefix: string, userId: string): string => `${controlPrefix}:written-lsn:${userId}`;
/** The webhook deliveries' BullMQ queue (under the control prefix like the work queue). */
export const WEBHOOK_QUEUE = 'webhooks';

// Events are kept (and can be replayed with Last-Event-ID) for an hour.
export const EVENT_RETENTION_SECONDS = 3600;
// Outlives any read that could still be refilling a purged session (queries time out at 15 s).
export const TOMBSTONE_TTL_SECONDS = 300;
// A closed live hash only has to outlive the requests that raced the status change.
export const CLOSED_LIVE_TTL_SECONDS = 60;
// A lease is remembered this long after it was last renewed, so that late calls under it get 409 or 410, not 404.
export const LEASE_MEMORY_SECONDS = 86400;
// A failed job is kept a day for inspection; BullMQ's keys have no other TTL.
export const FAILED_JOB_AGE_SECONDS = 86400;

/** The registry bound to this instance's configuration; caches and channels take their keys from it. */
@Injectable()
export class RedisKeys {
  /** SESSION_CACHE_TTL_SECONDS: no key lives longer than this without a write. */
  readonly ttlSeconds: number;
  readonly controlPrefix: string;
  /** BullMQ's prefix (hash-tagged). */
  readonly queuePrefix: string;

  constructor(
    @Inject(redisConfig.KEY) redis: ConfigType<typeof redisConfig>,
    @Inject(controlConfig.KEY) control: ConfigType<typeof controlConfig>,
  ) {
    this.ttlSeconds = redis.cacheTtlSeconds;
    this.controlPrefix = control.keyPrefix;
    this.queuePrefix = queuePrefix(control.keyPrefix);
  }

  session(id: string): string {
    return sessionKey(id);
  }

  historyTail(id: string): string {
    return historyTailKey(id);
  }

  live(id: string): string {
    return liveKeyPrefix(this.controlPrefix) + id;
  }

  liveDirty(): string {
    return liveDirtyKey(this.controlPrefix);
  }

  rateLimit(window: number): string {
    return rateLimitKey(this.controlPrefix, window);
  }

  eventsOfUser(userId: string): string {
    return eventsUserKey(this.controlPrefix, userId);
  }

  eventsFeed(): string {
    return eventsFeedKey(this.controlPrefix);
  }

  eventSeen(eventId: string): string {
    return eventSeenKey(this.controlPrefix, eventId);
  }

  eventStreams(userId: string): string {
    return eventStreamsKey(this.controlPrefix, userId);
  }

  /** The events' keys live as long as the replay window, and never past SESSION_CACHE_TTL_SECONDS. */
  get eventsTtlSeconds(): number {
    return Math.min(EVENT_RETENTION_SECONDS, this.ttlSeconds);
  }

  writtenLsn(userId: string): string {
    return writtenLsnKey(this.controlPrefix, userId);
  }

  cancelChannel(): string {
    return cancelChannel(this.controlPrefix);
  }

  workReadyChannel(): string {
    return workReadyChannel(this.controlPrefix);
  }

  leasePrefix(): string {
    return leaseKeyPrefix(this.controlPrefix);
  }

  lease(id: string): string {
    return leaseKeyPrefix(this.controlPrefix) + id;
  }

  leaseExpiries(): string {
    return leaseExpiriesKey(this.controlPrefix);
  }

  /** Bounded by SESSION_CACHE_TTL_SECONDS like every key written for a session. */
  get leaseMemorySeconds(): number {
    return Math.min(LEASE_MEMORY_SECONDS, this.ttlSeconds);
  }

  get closedLiveTtlSeconds(): number {
    return Math.min(CLOSED_LIVE_TTL_SECONDS, this.ttlSeconds);
  }
}

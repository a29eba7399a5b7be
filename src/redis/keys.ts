import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { controlConfig, redisConfig } from '../config/app.config.js';

/*
 * Every Redis key and TTL the service writes, in one place. Sessions' copies live under a fixed
 * prefix (the invalidation tracking subscribes to it); the control plane's keys (queue, cancel
 * channel, live progress) under CONTROL_KEY_PREFIX, so deployments sharing a Redis keep apart.
 */
export const SESSION_KEY_PREFIX = 'session:';
export const sessionKey = (id: string): string => SESSION_KEY_PREFIX + id;

/** A list: the history's state ("<lastSeq>.<messageCount>") first, then its latest messages, oldest first. */
export const historyTailKey = (id: string): string => `history-tail:${id}`;

/** `<prefix>:live:<session id>`: the live progress hash of a running session. */
export const liveKeyPrefix = (controlPrefix: string): string => `${controlPrefix}:live:`;
/** The set of sessions whose live progress has not reached PostgreSQL yet. */
export const liveDirtyKey = (controlPrefix: string): string => `${liveKeyPrefix(controlPrefix)}-dirty`;
export const cancelChannel = (controlPrefix: string): string => `${controlPrefix}:cancel`;
/** `<prefix>:rate:<window>`: a hash of each user's requests in one rate-limit window, shared by every instance. */
export const rateLimitKey = (controlPrefix: string, window: number): string => `${controlPrefix}:rate:${window}`;

// Outlives any read that could still be refilling a purged session (queries time out at 15 s).
export const TOMBSTONE_TTL_SECONDS = 300;
// A closed live hash only has to outlive the requests that raced the status change.
export const CLOSED_LIVE_TTL_SECONDS = 60;
// A failed job is kept a day for inspection; BullMQ's keys have no other TTL.
export const FAILED_JOB_AGE_SECONDS = 86400;

/** The registry bound to this instance's configuration; caches and channels take their keys from it. */
@Injectable()
export class RedisKeys {
  /** SESSION_CACHE_TTL_SECONDS: no key lives longer than this without a write. */
  readonly ttlSeconds: number;
  readonly controlPrefix: string;

  constructor(
    @Inject(redisConfig.KEY) redis: ConfigType<typeof redisConfig>,
    @Inject(controlConfig.KEY) control: ConfigType<typeof controlConfig>,
  ) {
    this.ttlSeconds = redis.cacheTtlSeconds;
    this.controlPrefix = control.keyPrefix;
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

  cancelChannel(): string {
    return cancelChannel(this.controlPrefix);
  }

  get closedLiveTtlSeconds(): number {
    return Math.min(CLOSED_LIVE_TTL_SECONDS, this.ttlSeconds);
  }
}

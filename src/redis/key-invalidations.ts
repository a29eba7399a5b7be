import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';

const CHANNEL = '__redis__:invalidate';
// How often the subscriber is asked to answer (one PING in flight at most).
const HEARTBEAT_MS = 100;
// The main client's command timeout when it sets none (it does: src/redis/redis.module.ts).
const DEFAULT_COMMAND_TIMEOUT_MS = 1000;

/**
 * Redis's own client-side-caching protocol: with `CLIENT TRACKING ON BCAST PREFIX <prefix>
 * REDIRECT <id>` on the main connection, Redis announces every change to a key under `prefix`,
 * by anyone, on a subscriber connection. `listener(keys)` hears them; `listener(null)` means
 * "forget everything" (FLUSHDB, or the announcements stopped: a connection dropped, so changes
 * may have been missed). The subscriber speaks RESP2: ioredis drops RESP3 invalidation pushes.
 *
 * A stalled server (hung, SIGSTOPped) closes no connection, yet announces nothing: a writer on
 * another instance acknowledges once its copy's set timed out (the main client's commandTimeout),
 * and the copies here are then older than PostgreSQL. So `active` also needs a PING answered on
 * the subscriber that was sent within half that timeout, and the first answer after a longer
 * silence forgets everything (the announcements queued in the stall may trail it).
 */
export class KeyInvalidations {
  private readonly logger = new Logger(KeyInvalidations.name);
  private readonly subscriber: Redis;
  private subscriberId: number | null = null;
  // The registration as Redis holds it: whether this main connection has one, and where it redirects.
  private mainTracking = false;
  private redirectedTo: number | null = null;
  private registering: Promise<void> = Promise.resolve();
  private tracking = false;
  // When the last answered PING was sent (performance.now()), and how long ago it may have been.
  private heardAt = -Infinity;
  private readonly silenceMs: number;
  private pinging = false;
  private readonly heartbeat: NodeJS.Timeout;

  constructor(
    private readonly main: Redis,
    private readonly prefix: string,
    private readonly listener: (keys: string[] | null) => void,
  ) {
    this.subscriber = main.duplicate({ protocol: 2, autoResubscribe: false, enableOfflineQueue: true, lazyConnect: true });
    this.subscriber.on('error', () => undefined); // the main client already reports the outage
    this.subscriber.on('messageBuffer', (channel: Buffer, keys: Buffer[] | null) => {
      if (channel.toString() === CHANNEL) this.listener(Array.isArray(keys) ? keys.map(String) : null);
    });
    this.subscriber.on('ready', () => void this.subscribe());
    this.main.on('ready', () => void this.track());
    this.subscriber.on('close', () => {
      this.subscriberId = null;
      this.redirectedTo = null;
      this.stop();
    });
    this.main.on('close', () => {
      this.mainTracking = false; // a new connection starts without tracking
      this.redirectedTo = null;
      this.stop();
    });
    this.subscriber.connect().catch(() => undefined);
    this.silenceMs = (main.options.commandTimeout ?? DEFAULT_COMMAND_TIMEOUT_MS) / 2;
    this.heartbeat = setInterval(() => void this.ping(), HEARTBEAT_MS).unref();
  }

  /** Whether announcements are flowing: tracking is registered and Redis answered lately. */
  get active(): boolean {
    return this.tracking && performance.now() - this.heardAt < this.silenceMs;
  }

  close(): void {
    clearInterval(this.heartbeat);
    this.stop();
    this.subscriber.disconnect();
  }

  private stop(): void {
    if (this.tracking) this.listener(null);
    this.tracking = false;
  }

  private async ping(): Promise<void> {
    if (this.pinging || this.subscriberId === null || this.subscriber.status !== 'ready') return;
    this.pinging = true;
    const sent = performance.now();
    try {
      await this.subscriber.ping();
      if (performance.now() - this.heardAt >= this.silenceMs) this.listener(null);
      this.heardAt = sent;
    } catch {
      // unanswered within the command timeout: `active` already says no
    } finally {
      this.pinging = false;
    }
  }

  private async subscribe(): Promise<void> {
    try {
      const id = Number(await this.subscriber.client('ID'));
      // Only a subscribed connection may be the redirect target, or the first announcements are lost.
      await this.subscriber.subscribe(CHANNEL);
      this.subscriberId = id;
      await this.track();
    } catch (error) {
      this.logger.warn(`invalidation subscriber: ${(error as Error).message}`);
    }
  }

  /**
   * Both connections' 'ready' lead here, in either order and possibly both at once (at start-up
   * the main connection often becomes ready while the subscriber is subscribing): registrations are
   * queued and a registration already in place is not repeated. Redis refuses a second
   * `TRACKING ON ... PREFIX` of the same prefix on one connection ("overlaps with an existing
   * prefix"), which is what every start used to log.
   */
  private track(): Promise<void> {
    this.registering = this.registering.then(() => this.register());
    return this.registering;
  }

  // Both connections must be up: tracking is redirected to this subscriber's id.
  private async register(): Promise<void> {
    const id = this.subscriberId;
    if (id === null || this.subscriber.status !== 'ready' || this.main.status !== 'ready' || this.redirectedTo === id) return;
    try {
      // The subscriber reconnected (a new id) while the main connection kept the old redirect: replace it.
      if (this.mainTracking) await this.main.client('TRACKING', 'OFF');
      this.mainTracking = false;
      await this.main.client('TRACKING', 'ON', 'REDIRECT', id, 'BCAST', 'PREFIX', this.prefix);
      this.mainTracking = true;
      this.redirectedTo = id;
      this.listener(null); // whatever was cached before tracking began is unknown
      this.tracking = true;
    } catch (error) {
      this.logger.warn(`client tracking: ${(error as Error).message}`);
    }
  }
}

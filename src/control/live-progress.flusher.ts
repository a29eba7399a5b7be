import { type BeforeApplicationShutdown, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { SessionStore } from '../sessions/session.store.js';
import { LiveProgressCache } from './live-progress.cache.js';

// The contract: live progress reaches PostgreSQL within 5 s. Every 2 s leaves room for a slow pass.
export const FLUSH_INTERVAL_MS = 2000;
const BATCH = 500;
const MAX_BATCHES_PER_PASS = 20;

/**
 * Moves live progress from Redis to PostgreSQL on every instance. Each pass reads sessions from
 * the dirty set, writes their snapshots in one statement, and only then settles them: when
 * PostgreSQL cannot take a batch, its ids stay dirty for the next pass.
 */
@Injectable()
export class LiveProgressFlusher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(LiveProgressFlusher.name);
  private timer?: NodeJS.Timeout;
  private inFlight?: Promise<number>;

  constructor(
    private readonly live: LiveProgressCache,
    private readonly rows: SessionStore,
  ) {}

  onApplicationBootstrap(): void {
    this.resume();
  }

  /** What arrived last still reaches PostgreSQL before the pools close. */
  async beforeApplicationShutdown(): Promise<void> {
    this.pause();
    await this.flush();
  }

  resume(): void {
    if (!this.live.available || this.timer) return;
    this.timer = setInterval(() => void this.flush(), FLUSH_INTERVAL_MS);
    this.timer.unref();
  }

  pause(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One pass; resolves to the number of sessions written. A call during a pass joins it. */
  flush(): Promise<number> {
    this.inFlight ??= this.pass().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async pass(): Promise<number> {
    let written = 0;
    for (let batch = 0; batch < MAX_BATCHES_PER_PASS; batch++) {
      const ids = await this.live.peekDirty(BATCH);
      if (!ids.length) break;
      const live = await this.live.getMany(ids);
      if (!live) break; // Redis is not answering: the ids stay dirty for the next pass
      // A closed hash was already written by the status change that closed it; a missing one is gone.
      const open = [...live].filter(([, progress]) => progress.open).map(([id, progress]) => ({ id, ...progress }));
      try {
        written += (await this.rows.flushLive(open)).length;
      } catch (error) {
        this.logger.warn(`live progress not flushed, will retry: ${(error as Error).message}`);
        break;
      }
      const flushedRev = new Map(open.map((progress) => [progress.id, progress.rev]));
      await this.live.settle(ids.map((id) => ({ id, rev: flushedRev.get(id) ?? Number.MAX_SAFE_INTEGER })));
      if (ids.length < BATCH) break;
    }
    return written;
  }
}

import { type BeforeApplicationShutdown, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { isRowRefused } from '../../common/database-errors.js';
import { SetAside } from '../../common/set-aside.js';
import { fitsProgressColumns } from '../../sessions/progress-bounds.js';
import { SessionStore } from '../../sessions/session.store.js';
import type { ProgressSnapshot } from '../../sessions/session-transition.sql.js';
import { LiveProgressCache } from './live-progress.cache.js';

// The contract: live progress reaches PostgreSQL within 5 s. Every 2 s leaves room for a slow pass.
export const FLUSH_INTERVAL_MS = 2000;
const BATCH = 500;
const MAX_BATCHES_PER_PASS = 20;

/**
 * Moves live progress from Redis to PostgreSQL on every instance. Each pass reads sessions from
 * the dirty set, writes their snapshots in one statement, and only then settles them: when
 * PostgreSQL cannot be reached, the ids stay dirty for the next pass; a session whose own data
 * PostgreSQL refuses is set aside (logged once) and the others are written.
 */
@Injectable()
export class LiveProgressFlusher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(LiveProgressFlusher.name);
  private readonly setAside = new SetAside(this.logger, 'live-progress flush');
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
      const storable = open.filter((snapshot) => {
        if (fitsProgressColumns(snapshot)) return true;
        this.setAside.add(snapshot.id, unfit(snapshot));
        return false;
      });
      const count = await this.write(storable);
      if (count === null) break;
      written += count;
      // Set-aside sessions are settled too: they come back only with new progress, and are not logged again.
      const flushedRev = new Map(open.map((progress) => [progress.id, progress.rev]));
      await this.live.settle(ids.map((id) => ({ id, rev: flushedRev.get(id) ?? Number.MAX_SAFE_INTEGER })));
      if (ids.length < BATCH) break;
    }
    return written;
  }

  /**
   * The batch in one statement. When PostgreSQL refuses it for a row's data, one session at a
   * time, so that the one it refuses is set aside and the others are written. Null on any other
   * failure (PostgreSQL unreachable): everything stays dirty for the next pass.
   */
  private async write(snapshots: ProgressSnapshot[]): Promise<number | null> {
    try {
      return await this.flushLive(snapshots);
    } catch (error) {
      if (!isRowRefused(error) || snapshots.length === 1) return this.refused(snapshots[0].id, error);
    }
    let written = 0;
    for (const snapshot of snapshots) {
      try {
        written += await this.flushLive([snapshot]);
      } catch (error) {
        if (this.refused(snapshot.id, error) === null) return null;
      }
    }
    return written;
  }

  private async flushLive(snapshots: ProgressSnapshot[]): Promise<number> {
    return (await this.rows.flushLive(snapshots)).length;
  }

  /** 0 after setting aside a session refused for its data; otherwise (an outage...) null: the batch is retried whole. */
  private refused(id: string, error: unknown): number | null {
    if (!isRowRefused(error)) {
      this.logger.warn(`live progress not flushed, will retry: ${(error as Error).message}`);
      return null;
    }
    this.setAside.add(id, error);
    return 0;
  }
}

function unfit(snapshot: ProgressSnapshot): string {
  const { phase, roundNumber, totalCost } = snapshot;
  return `its live progress does not fit the columns: ${JSON.stringify({ phase, roundNumber, totalCost })}`;
}

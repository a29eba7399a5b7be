import { Injectable } from '@nestjs/common';
import { CostLimitExceededError } from '../../common/domain-error.js';
import { MAX_TOTAL_COST } from '../../sessions/progress-bounds.js';
import { RUNNING } from '../../sessions/session-status.js';
import { SessionEvents } from '../../sessions/session-events.js';
import { SessionStore } from '../../sessions/session.store.js';
import type { ProgressUpdate } from '../../sessions/session-write.types.js';
import { LiveProgressCache } from './live-progress.cache.js';

/** Where progress goes: Redis first (the flush carries it on), PostgreSQL when Redis cannot take it. */
@Injectable()
export class ProgressRecorder {
  constructor(
    private readonly live: LiveProgressCache,
    private readonly rows: SessionStore,
    private readonly events: SessionEvents,
  ) {}

  /** False when the session is not running; COST_LIMIT_EXCEEDED (nothing recorded) past the cost ceiling. */
  async record(id: string, update: ProgressUpdate): Promise<boolean> {
    const recorded = await this.recordOnce(id, update);
    if (recorded) await this.events.progressed(id, update);
    return recorded;
  }

  private async recordOnce(id: string, update: ProgressUpdate): Promise<boolean> {
    let outcome = await this.live.record(id, update);
    if (outcome === 'missing') {
      // Redis lost the live state (restart, flush, expiry): seed it from PostgreSQL, then retry once.
      const session = await this.rows.findById(id);
      if (session?.status !== RUNNING) return false;
      await this.live.open(session);
      outcome = await this.live.record(id, update);
    }
    if (outcome === 'recorded') return true;
    if (outcome === 'closed') return false;
    if (outcome === 'over-limit') throw new CostLimitExceededError(MAX_TOTAL_COST);
    // The repository's update holds the same ceiling; when it matched nothing, say which rule refused.
    if (await this.rows.recordProgress(id, update)) return true;
    const current = await this.rows.findById(id);
    if (current?.status === RUNNING && current.totalCost + (update.costDelta ?? 0) > MAX_TOTAL_COST)
      throw new CostLimitExceededError(MAX_TOTAL_COST);
    return false;
  }
}

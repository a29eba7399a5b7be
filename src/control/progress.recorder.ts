import { Injectable } from '@nestjs/common';
import { RUNNING } from '../sessions/session-status.js';
import { SessionStore } from '../sessions/session.store.js';
import type { ProgressUpdate } from '../sessions/session-writes.js';
import { LiveProgressCache } from './live-progress.cache.js';

/** Where progress goes: Redis first (the flush carries it on), PostgreSQL when Redis cannot take it. */
@Injectable()
export class ProgressRecorder {
  constructor(
    private readonly live: LiveProgressCache,
    private readonly rows: SessionStore,
  ) {}

  /** False when the session is not running. */
  async record(id: string, update: ProgressUpdate): Promise<boolean> {
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
    const written = await this.rows.recordProgress(id, update);
    return written !== null;
  }
}

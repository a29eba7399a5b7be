import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { LRUCache } from 'lru-cache';
import { sessionsConfig } from '../config/app.config.js';
import { capApplies } from '../sessions/history-limit.js';
import type { CapDefaults } from '../sessions/history-cap.sql.js';
import type { Session } from '../sessions/session.columns.js';

// Sessions remembered as capped; one forgotten costs its next append here a retry, nothing more.
const KNOWN_CAPPED = 100_000;

/**
 * Which appends carry the history cap's SQL, chosen without a read. Its subqueries cost an append
 * that no cap applies to about a third more even unexecuted (PostgreSQL initialises every subplan
 * of a statement: docs/speed.md), so an append is plain unless the server has a default cap or
 * this process saw the session capped. A plain append refuses a capped row (uncappedSql in its
 * WHERE): a wrong guess is decided again under the row lock, with the cap, and remembered.
 */
@Injectable()
export class CappedSessions {
  private readonly known = new LRUCache<string, true>({ max: KNOWN_CAPPED });
  private readonly defaults: CapDefaults;

  constructor(@Inject(sessionsConfig.KEY) config: ConfigType<typeof sessionsConfig>) {
    this.defaults = { maxMessages: config.historyMaxMessages, maxBytes: config.historyMaxBytes };
  }

  /** Whether an append to this session should carry the cap. */
  expected(sessionId: string): boolean {
    return this.defaults.maxMessages > 0 || this.defaults.maxBytes > 0 || this.known.has(sessionId);
  }

  /** The session's row as a committed append left it. */
  saw(session: Session): void {
    if (capApplies(session, this.defaults)) this.known.set(session.id, true);
    else this.known.delete(session.id);
  }
}

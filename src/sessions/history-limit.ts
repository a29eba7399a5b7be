import type { HistoryLimitDto } from './dto/history-limit.dto.js';
import type { CapDefaults } from './history-cap.sql.js';
import type { HistoryLimitResponse } from './dto/session.response.js';
import type { Session } from './session.columns.js';
import type { HistoryLimitColumns } from './session-write.types.js';

/** A session's own cap as its columns; absent (or null, PATCH's "back to the defaults") leaves each bound to the server. */
export function historyLimitColumns(limit: HistoryLimitDto | null | undefined): HistoryLimitColumns {
  return {
    historyMaxMessages: limit?.maxMessages ?? null,
    historyMaxBytes: limit?.maxBytes ?? null,
    historyTrim: limit?.trim ?? null,
  };
}

/**
 * What a session shows of its cap: its own bounds (null: the server's default applies, 0: none)
 * and the trim rule. A copy cached before the columns existed has none of them.
 */
export function historyLimitOf(session: Session): HistoryLimitResponse {
  return {
    maxMessages: session.historyMaxMessages ?? null,
    maxBytes: session.historyMaxBytes ?? null,
    trim: session.historyTrim ?? 'user',
  };
}

/** Whether a cap applies to the session: its own bounds, else the server's (0: none). */
export function capApplies(session: Session, defaults: CapDefaults): boolean {
  return (session.historyMaxMessages ?? defaults.maxMessages) > 0 || (session.historyMaxBytes ?? defaults.maxBytes) > 0;
}

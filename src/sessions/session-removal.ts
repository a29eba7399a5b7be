import { DELETED, RUNNING } from './session-status.js';
import {
  COUNT_REMOVABLE,
  FIND_EXPIRED,
  FIND_MARKED_DELETED,
  REMOVE_EXPIRED,
  REMOVE_MARKED_DELETED,
  REMOVE_ONE,
} from './session-removal.sql.js';

/** Runs a statement on the connection the caller holds (the cleanup's, which holds its lock). */
export type RunStatement = (sql: string, params: unknown[]) => Promise<any>;

/**
 * The removal of deleted and expired sessions, the one write to `sessions` outside the
 * repository's requests: a cleanup pass runs it on its own locked connection.
 */
export class SessionRemoval {
  constructor(private readonly run: RunStatement) {}

  async countRemovable(before: Date): Promise<number> {
    const [row] = await this.run(COUNT_REMOVABLE, [before, DELETED, RUNNING]);
    return row.n;
  }

  /** Removes up to `batch` sessions marked deleted, but those `excluding`; their ids. */
  deleteMarkedDeleted(batch: number, excluding: string[] = []): Promise<string[]> {
    return this.removed(REMOVE_MARKED_DELETED, [batch, excluding, DELETED]);
  }

  /** Removes up to `batch` sessions expired by `before` that are not running, oldest expiry first. */
  deleteExpired(before: Date, batch: number, excluding: string[] = []): Promise<string[]> {
    return this.removed(REMOVE_EXPIRED, [batch, excluding, before, RUNNING]);
  }

  /** The ids deleteMarkedDeleted would take, left in place: to remove them one at a time. */
  findMarkedDeleted(batch: number, excluding: string[] = []): Promise<string[]> {
    return this.ids(FIND_MARKED_DELETED, [batch, excluding, DELETED]);
  }

  /** The ids deleteExpired would take, left in place. */
  findExpired(before: Date, batch: number, excluding: string[] = []): Promise<string[]> {
    return this.ids(FIND_EXPIRED, [batch, excluding, before, RUNNING]);
  }

  /** Removes one session if a pass as of `before` still would; false when it would not (or a request holds it). */
  async deleteOne(id: string, before: Date): Promise<boolean> {
    return (await this.removed(REMOVE_ONE, [id, before, DELETED, RUNNING])).length > 0;
  }

  private async ids(sql: string, params: unknown[]): Promise<string[]> {
    const rows = await this.run(sql, params);
    return rows.map((row: { id: string }) => row.id);
  }

  private async removed(sql: string, params: unknown[]): Promise<string[]> {
    const [rows] = await this.run(sql, params);
    return rows.map((row: { id: string }) => row.id);
  }
}

/** What a run found and did, as sessions and messages per row of the verification table. */
export const ROWS = ['source', 'imported', 'already there', 'appended', 'refused'] as const;
export type ReportRow = (typeof ROWS)[number];

export interface Refused {
  id: string;
  reason: string;
}

/**
 * The run's counts. Every source session lands in exactly one of the other rows, and so does
 * every source message (an appended session's earlier messages count as already there), so each
 * column of those rows adds up to the source's.
 */
export class ImportReport {
  readonly sessions = Object.fromEntries(ROWS.map((row) => [row, 0])) as Record<ReportRow, number>;
  readonly messages = Object.fromEntries(ROWS.map((row) => [row, 0])) as Record<ReportRow, number>;
  readonly refusals: Refused[] = [];

  count(row: Exclude<ReportRow, 'source'>, sessions: number, messages: number): void {
    this.sessions[row] += sessions;
    this.messages[row] += messages;
  }

  refuse(id: string, messages: number, reason: string): void {
    this.count('refused', 1, messages);
    this.refusals.push({ id, reason });
  }

  get balanced(): boolean {
    const sum = (counts: Record<ReportRow, number>) => ROWS.slice(1).reduce((total, row) => total + counts[row], 0);
    return sum(this.sessions) === this.sessions.source && sum(this.messages) === this.messages.source;
  }

  /** The verification table, then one line per refused session. */
  table(dryRun: boolean): string {
    const width = Math.max(8, ...ROWS.map((row) => String(this.messages[row]).length));
    const cell = (text: string | number) => String(text).padStart(width);
    const lines = [`${''.padEnd(14)}${cell('sessions')}  ${cell('messages')}`];
    for (const row of ROWS)
      lines.push(
        `${(dryRun && row !== 'source' ? `${row} (dry)` : row).padEnd(14)}${cell(this.sessions[row])}  ${cell(this.messages[row])}`,
      );
    for (const refusal of this.refusals) lines.push(`refused ${JSON.stringify(refusal.id)}: ${refusal.reason}`);
    return lines.join('\n');
  }
}

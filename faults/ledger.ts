/** The stretches of the run whose latencies are compared: quiet, with each hostile client, with faults. */
export type Phase = 'baseline' | 'hostile' | 'heavy' | 'faults';

/** What the load was told: every acknowledged write, and every answer counted by kind. */
export class Ledger {
  readonly counts = {
    sent: 0,
    acknowledged: 0,
    refused503: 0,
    refused503WithoutRetryAfter: 0,
    clientErrors: 0,
    serverErrors: 0,
    connectionErrors: 0,
  };
  readonly byStatus: Record<string, number> = {};
  readonly clientErrorsByRoute: Record<string, number> = {};
  readonly serverErrorSamples: string[] = [];
  /** the first refusals (503 or no connection), with the phase they came in */
  readonly refusedSamples: string[] = [];
  readonly staleReads: string[] = [];
  /** GET .../messages?limit=20 answers (the history's cached tail, or PostgreSQL) missing an acknowledged append */
  readonly staleTails: string[] = [];
  /** of those answers, how many were checked */
  tailReads = 0;
  /** set by the run while PostgreSQL is stopped */
  postgresDown = false;
  /**
   * Reads sent while PostgreSQL was stopped and answered 200 from the cache (X-Served-From: cache),
   * each checked as every read is (count, last acknowledged append); `stale` counts those that failed.
   */
  readonly outageReads = { sessions: 0, tails: 0, stale: 0 };
  /** session id -> owner, for sessions whose create was acknowledged */
  readonly sessions = new Map<string, string>();
  /** message marker -> session id, for appends that were acknowledged */
  readonly messages = new Map<string, string>();
  /** message marker -> the id and seq its append's answer gave it */
  readonly answered = new Map<string, { id: string; seq: number }>();
  /** batches whose answer was not 2xx: all of a batch's markers must be stored or none */
  readonly unacknowledgedBatches: string[][] = [];
  /** sessions that were started at least once */
  readonly started = new Set<string>();
  /** user -> the status changes (start, kill) its client was answered 2xx for, and when: each must reach its subscriber once */
  readonly statusChanges = new Map<string, Array<{ sessionId: string; to: string; at: number }>>();
  /** set by the run as it moves on; each answer is counted in the phase it was sent in */
  phase: Phase = 'baseline';
  readonly latencies: Record<Phase, number[]> = { baseline: [], hostile: [], heavy: [], faults: [] };
  /** answers that were not a service's answer (503, no connection) by phase: the quiet phases must have none */
  readonly refusedByPhase: Record<Phase, number> = { baseline: 0, hostile: 0, heavy: 0, faults: 0 };

  record(status: number, headers: Headers | null, what: string, ms = 0, phase: Phase = this.phase): void {
    this.counts.sent++;
    this.latencies[phase].push(ms);
    this.byStatus[status] = (this.byStatus[status] ?? 0) + 1;
    if (status === 0 || status === 503) {
      this.refusedByPhase[phase]++;
      if (this.refusedSamples.length < 10)
        this.refusedSamples.push(`${status} ${what} (${phase} phase, ${new Date().toISOString().slice(11, 23)})`);
    }
    if (status === 0) this.counts.connectionErrors++;
    else if (status >= 200 && status < 300) this.counts.acknowledged++;
    else if (status === 503) {
      this.counts.refused503++;
      if (!headers?.get('retry-after')) this.counts.refused503WithoutRetryAfter++;
    } else if (status >= 500) {
      this.counts.serverErrors++;
      if (this.serverErrorSamples.length < 10) this.serverErrorSamples.push(`${status} ${what} (${phase} phase)`);
    } else {
      this.counts.clientErrors++;
      const route = `${status} ${what.replace(/[0-9a-f-]{36}/g, ':id').replace(/\?.*$/, '')}`;
      this.clientErrorsByRoute[route] = (this.clientErrorsByRoute[route] ?? 0) + 1;
    }
  }

  statusChanged(user: string, sessionId: string, to: string): void {
    const changes = this.statusChanges.get(user) ?? [];
    changes.push({ sessionId, to, at: Date.now() });
    this.statusChanges.set(user, changes);
  }

  /** Latency percentiles of one phase, in ms. */
  percentiles(phase: Phase): { requests: number; p50: number; p99: number; max: number } {
    const sorted = [...this.latencies[phase]].sort((a, b) => a - b);
    const at = (q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] : 0);
    return { requests: sorted.length, p50: Math.round(at(0.5)), p99: Math.round(at(0.99)), max: Math.round(sorted.at(-1) ?? 0) };
  }
}

/** A hostile client's 5xx answers, 503 apart (a 503 says "later"; a 500 is a defect), from its tally by attack and answer. */
export function serverErrorsIn(tally: Record<string, Record<string, number>>): number {
  let sum = 0;
  for (const answers of Object.values(tally)) {
    for (const [status, count] of Object.entries(answers)) if (/^5\d\d$/.test(status) && status !== '503') sum += count;
  }
  return sum;
}

import type { InsertPhase } from '../messages/history-imports.js';
import type { SourceEntry } from './import-source.js';

export const PHASES = ['read', 'build', 'lookup', 'sessions insert', 'messages insert', 'commit'] as const;
export type Phase = (typeof PHASES)[number];

const HISTORY_PHASES: Record<InsertPhase, Phase> = {
  sessions: 'sessions insert',
  build: 'build',
  messages: 'messages insert',
  commit: 'commit',
};

/**
 * Where a run's time went (`--timings`), each phase's time summed over the run. Reading the source
 * goes on while a batch is written, so the phases add up to more than the run's wall time.
 */
export class ImportTimings {
  private readonly seconds = new Map<Phase, number>(PHASES.map((phase) => [phase, 0]));
  private readonly started = performance.now();

  add(phase: Phase, since: number): number {
    const now = performance.now();
    this.seconds.set(phase, this.seconds.get(phase)! + (now - since) / 1000);
    return now;
  }

  /** A stopwatch over one batch's steps: each lap ends its phase and starts the next. */
  laps(): { lap: (phase: Phase) => void; history: (phase: InsertPhase) => void } {
    let since = performance.now();
    const lap = (phase: Phase) => void (since = this.add(phase, since));
    return { lap, history: (phase) => lap(HISTORY_PHASES[phase]) };
  }

  table(): string {
    const lines = [...this.seconds].map(([phase, seconds]) => `${phase.padEnd(16)}${seconds.toFixed(2).padStart(9)} s`);
    lines.push(`${'wall'.padEnd(16)}${((performance.now() - this.started) / 1000).toFixed(2).padStart(9)} s`);
    return lines.join('\n');
  }
}

/** The source's entries, the time spent waiting for each counted as reading. */
export async function* timedReads(
  entries: AsyncIterable<SourceEntry> | Iterable<SourceEntry>,
  timings: ImportTimings,
): AsyncIterable<SourceEntry> {
  const iterator = Symbol.asyncIterator in entries ? entries[Symbol.asyncIterator]() : entries[Symbol.iterator]();
  try {
    for (;;) {
      const since = performance.now();
      const next = await iterator.next();
      timings.add('read', since);
      if (next.done) return;
      yield next.value;
    }
  } finally {
    // A run that stops early closes the source's reader, as a for-await over it would.
    await iterator.return?.();
  }
}

import type { InsertPhase } from '../messages/history-imports.js';

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

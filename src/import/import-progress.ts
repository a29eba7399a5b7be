import { SingleBar } from 'cli-progress';

/** How a run shows that it moves: a bar on a terminal, else a line per thousand sessions. */
export interface ImportProgress {
  start(total: number | undefined): void;
  advance(sessions: number, messages: number): void;
  stop(): void;
}

const LINE_EVERY = 1000;

/*
 * cli-progress: the most used terminal progress bar on npm, kept up, with its own TypeScript
 * types and no dependencies beyond string-width; it redraws at most every 100 ms, so a fast run
 * pays nothing per session. stderr: stdout carries the table alone.
 */
export function progressFor(stream: NodeJS.WriteStream = process.stderr): ImportProgress {
  if (stream.isTTY) return barProgress(stream);
  let sessions = 0;
  let messages = 0;
  return {
    start: () => undefined,
    advance(moreSessions, moreMessages) {
      const before = Math.floor(sessions / LINE_EVERY);
      sessions += moreSessions;
      messages += moreMessages;
      if (Math.floor(sessions / LINE_EVERY) > before) stream.write(`${sessions} sessions read (${messages} messages)\n`);
    },
    stop: () => undefined,
  };
}

function barProgress(stream: NodeJS.WriteStream): ImportProgress {
  const bar = new SingleBar({ stream, format: '{bar} {value}/{total} sessions | {messages} messages | {eta_formatted}', hideCursor: true });
  let messages = 0;
  let sessions = 0;
  let known = false;
  return {
    start(total) {
      known = total !== undefined;
      bar.start(total ?? 0, 0, { messages });
    },
    advance(moreSessions, moreMessages) {
      messages += moreMessages;
      sessions += moreSessions;
      // A source that cannot count its sessions cheaply (jsonl): the bar's end moves with what was read.
      if (!known) bar.setTotal(sessions);
      bar.increment(moreSessions, { messages });
    },
    stop: () => bar.stop(),
  };
}

import { type ChildProcess, spawn } from 'node:child_process';

/*
 * The one spawn-and-wait helper: e2e specs (worker processes) and the faults run and benchmark
 * (service instances, their own redis-server) all start a process and wait for the line it prints
 * once it is ready. It lives here, not in faults/, so specs need nothing of the faults run; it
 * imports only Node, so `nest build` compiles it for faults/ and bench/ as they import it.
 */

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ReadyProcess {
  readonly child: ChildProcess;
  /** Everything it printed so far, stdout and stderr interleaved. */
  output: () => string;
  readonly exited: Promise<Exit>;
  /** Sends `signal` unless it has exited already, and resolves once it is gone. */
  stop(signal?: NodeJS.Signals): Promise<Exit>;
}

export interface ReadyOptions {
  /** The line (or part of it) the process prints once it is ready. */
  readyLine: string;
  /** Added to this process's environment. */
  env?: Record<string, string>;
  timeoutMs?: number;
  /** Names the process in errors. */
  name?: string;
  /** Its working directory (where it reads .env and keeps ./data); this process's by default. */
  cwd?: string;
}

/** Starts `command`; resolves once `readyLine` appears, rejects (and kills it) if it exits or times out first. */
export function startReadyProcess(command: string, args: string[], options: ReadyOptions): Promise<ReadyProcess> {
  const { readyLine, env = {}, timeoutMs = 30_000, name = command, cwd } = options;
  const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  // 'close', not 'exit': by then its stdout and stderr are read to the end.
  const exited = new Promise<Exit>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
  const ready: ReadyProcess = {
    child,
    output: () => output,
    exited,
    stop: (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
  return new Promise<ReadyProcess>((resolve, reject) => {
    const fail = (why: string) => {
      clearTimeout(timer);
      reject(new Error(`${name} ${why} before printing "${readyLine}":\n${output.slice(-4000)}`));
    };
    const timer = setTimeout(() => {
      fail(`gave up after ${timeoutMs} ms`);
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('error', (error) => fail(`could not start (${error.message})`));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.stdout.on('data', (chunk) => {
      output += chunk;
      if (output.includes(readyLine)) {
        clearTimeout(timer);
        resolve(ready);
      }
    });
    void exited.then(({ code, signal }) => fail(`exited (${signal ?? `code ${code}`})`));
  });
}

import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const WORKER_ENTRY = fileURLToPath(new URL('../../dist/src/worker.js', import.meta.url));

export interface WorkerProcess {
  child: ChildProcess;
  output(): string;
  /** SIGKILL by default: a worker that dies without a chance to clean up. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** `npm run worker` as a child process (the build `npm test` made), resolved once it is ready. */
export async function startWorkerProcess(env: Record<string, string>): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [WORKER_ENTRY], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = once(child, 'exit');
  const worker: WorkerProcess = {
    child,
    output: () => output,
    stop: async (signal = 'SIGKILL') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
  const deadline = Date.now() + 30_000;
  while (!output.includes('worker ready')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await worker.stop();
      throw new Error(`worker process did not become ready:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return worker;
}

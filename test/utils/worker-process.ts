import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startReadyProcess } from './ready-process.js';

const WORKER_ENTRY = fileURLToPath(new URL('../../dist/src/worker.js', import.meta.url));

export interface WorkerProcess {
  child: ChildProcess;
  output(): string;
  /** SIGKILL by default: a worker that dies without a chance to clean up. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** `npm run worker` as a child process (the build `npm test` made), resolved once it is ready. */
export async function startWorkerProcess(env: Record<string, string>): Promise<WorkerProcess> {
  const worker = await startReadyProcess(process.execPath, [WORKER_ENTRY], { env, readyLine: 'worker ready', name: 'worker process' });
  return {
    child: worker.child,
    output: worker.output,
    stop: async (signal = 'SIGKILL') => {
      await worker.stop(signal);
    },
  };
}

import { type ReadyProcess, startReadyProcess } from '../test/utils/ready-process.js';

/**
 * One instance of the built service, `node dist/src/main.js` as `npm start` runs it, with its own
 * port and environment: the faults run starts and stops three, the benchmark two.
 */
export class Instance {
  private process: ReadyProcess | null = null;
  lastExit: { code: number | null; signal: NodeJS.Signals | null; afterMs: number } | null = null;

  constructor(
    readonly name: string,
    readonly port: number,
    private readonly env: Record<string, string>,
  ) {}

  async start(): Promise<void> {
    const main = new URL('../src/main.js', import.meta.url).pathname;
    const env = { ...this.env, PORT: String(this.port) };
    this.process = await startReadyProcess(process.execPath, [main], { env, readyLine: 'listening on', timeoutMs: 60000, name: this.name });
  }

  /** Sends `signal` and resolves when the process is gone, with how long that took. */
  async stop(signal: NodeJS.Signals): Promise<number> {
    const started = Date.now();
    const { code, signal: exitSignal } = await this.process!.stop(signal);
    this.lastExit = { code, signal: exitSignal, afterMs: Date.now() - started };
    return this.lastExit.afterMs;
  }

  kill(): void {
    this.process?.child.kill('SIGKILL');
  }
}

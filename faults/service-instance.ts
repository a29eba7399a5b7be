import { type ChildProcess, spawn } from 'node:child_process';

/**
 * One instance of the built service, `node dist/src/main.js` as `npm start` runs it, with its own
 * port and environment: the faults run starts and stops three, the benchmark two.
 */
export class Instance {
  private child: ChildProcess | null = null;
  lastExit: { code: number | null; signal: NodeJS.Signals | null; afterMs: number } | null = null;

  constructor(
    readonly name: string,
    readonly port: number,
    private readonly env: Record<string, string>,
  ) {}

  async start(): Promise<void> {
    const main = new URL('../src/main.js', import.meta.url).pathname;
    const child = spawn(process.execPath, [main], { env: { ...process.env, ...this.env, PORT: String(this.port) }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name} did not start: ${output}`)), 60000);
      child.stdout!.on('data', (chunk) => {
        output += chunk;
        if (output.includes('listening on')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.stderr!.on('data', (chunk) => (output += chunk));
      child.once('exit', (code) => reject(new Error(`${this.name} exited with ${code}: ${output.slice(-2000)}`)));
    });
    child.removeAllListeners('exit');
  }

  /** Sends `signal` and resolves when the process is gone, with how long that took. */
  stop(signal: NodeJS.Signals): Promise<number> {
    const child = this.child!;
    const started = Date.now();
    return new Promise((resolve) => {
      child.once('exit', (code, exitSignal) => {
        this.lastExit = { code, signal: exitSignal, afterMs: Date.now() - started };
        resolve(Date.now() - started);
      });
      child.kill(signal);
    });
  }

  kill(): void {
    this.child?.kill('SIGKILL');
  }
}

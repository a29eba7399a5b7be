import { type ChildProcess, spawn } from 'node:child_process';

// Enough of an instance's output to say why it died (e.g. "JavaScript heap out of memory").
const OUTPUT_TAIL_CHARS = 4000;

/**
 * One instance of the built service, `node dist/src/main.js` as `npm start` runs it, with its own
 * port and environment: the faults run starts and stops three, the benchmark two. An exit that
 * stop() or kill() did not ask for is a crash: it is recorded with the end of the output.
 */
export class Instance {
  private child: ChildProcess | null = null;
  private output = '';
  private exitRequested = false;
  lastExit: { code: number | null; signal: NodeJS.Signals | null; afterMs: number } | null = null;
  readonly crashes: Array<{ at: Date; code: number | null; signal: NodeJS.Signals | null; reason: string; outputTail: string }> = [];
  onCrash?: (instance: Instance) => void;

  constructor(
    readonly name: string,
    readonly port: number,
    private readonly env: Record<string, string>,
    private readonly nodeArgs: string[] = [],
  ) {}

  /** Started and answering (it said it listens) and not exited since. */
  listening = false;

  async start(): Promise<void> {
    const main = new URL('../src/main.js', import.meta.url).pathname;
    const child = spawn(process.execPath, [...this.nodeArgs, main], {
      env: { ...process.env, ...this.env, PORT: String(this.port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.listening = false;
    this.exitRequested = false;
    this.output = '';
    const keep = (chunk: Buffer) => (this.output = (this.output + chunk).slice(-OUTPUT_TAIL_CHARS));
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name} did not start: ${this.output}`)), 60000);
      const onOutput = () => {
        if (!this.output.includes('listening on')) return;
        clearTimeout(timer);
        this.listening = true;
        child.stdout!.off('data', onOutput);
        resolve();
      };
      child.stdout!.on('data', onOutput);
      child.once('exit', (code) => reject(new Error(`${this.name} exited with ${code}: ${this.output.slice(-2000)}`)));
    });
    child.removeAllListeners('exit');
    child.once('exit', (code, signal) => {
      if (this.child === child) this.listening = false;
      if (this.exitRequested || this.child !== child) return;
      const reason = this.output.split('\n').findLast((line) => /FATAL|Error|error/.test(line)) ?? '';
      this.crashes.push({ at: new Date(), code, signal, reason: reason.slice(0, 300), outputTail: this.output.slice(-800) });
      this.onCrash?.(this);
    });
  }

  /** Sends `signal` and resolves when the process is gone, with how long that took. */
  stop(signal: NodeJS.Signals): Promise<number> {
    const child = this.child!;
    const started = Date.now();
    this.exitRequested = true;
    if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(0);
    return new Promise((resolve) => {
      child.once('exit', (code, exitSignal) => {
        this.lastExit = { code, signal: exitSignal, afterMs: Date.now() - started };
        resolve(Date.now() - started);
      });
      child.kill(signal);
    });
  }

  kill(): void {
    this.exitRequested = true;
    this.child?.kill('SIGKILL');
  }
}

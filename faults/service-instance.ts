import { type ReadyProcess, startReadyProcess } from '../test/utils/ready-process.js';

// Enough of an instance's output to say why it died (e.g. "JavaScript heap out of memory").
const OUTPUT_TAIL_CHARS = 4000;

/**
 * One instance of the built service, `node dist/src/main.js` as `npm start` runs it, with its own
 * port and environment: the faults run starts and stops three, the benchmark two. An exit that
 * stop() or kill() did not ask for is a crash: it is recorded with the end of the output.
 */
export class Instance {
  private process: ReadyProcess | null = null;
  private exitRequested = false;
  lastExit: { code: number | null; signal: NodeJS.Signals | null; afterMs: number } | null = null;
  readonly crashes: Array<{ at: Date; code: number | null; signal: NodeJS.Signals | null; reason: string; outputTail: string }> = [];
  onCrash?: (instance: Instance) => void | Promise<void>;

  constructor(
    readonly name: string,
    readonly port: number,
    private readonly env: Record<string, string>,
    private readonly nodeArgs: string[] = [],
  ) {}

  /** The end of the output of the process stop() ended (its shutdown's steps). */
  lastOutput = '';

  /** Started and answering (it said it listens) and not exited since. */
  listening = false;

  async start(): Promise<void> {
    const main = new URL('../src/main.js', import.meta.url).pathname;
    const env = { ...this.env, PORT: String(this.port) };
    this.listening = false;
    this.exitRequested = false;
    const started = await startReadyProcess(process.execPath, [...this.nodeArgs, main], {
      env,
      readyLine: 'listening on',
      timeoutMs: 60000,
      name: this.name,
    });
    this.process = started;
    this.listening = true;
    void started.exited.then(({ code, signal }) => {
      if (this.process === started) this.listening = false;
      if (this.exitRequested || this.process !== started) return;
      const output = started.output().slice(-OUTPUT_TAIL_CHARS);
      const reason = output.split('\n').findLast((line) => /FATAL|Error|error/.test(line)) ?? '';
      this.crashes.push({ at: new Date(), code, signal, reason: reason.slice(0, 300), outputTail: output.slice(-800) });
      void this.onCrash?.(this);
    });
  }

  /** Sends `signal` and resolves when the process is gone, with how long that took. */
  async stop(signal: NodeJS.Signals): Promise<number> {
    const started = Date.now();
    this.exitRequested = true;
    const { code, signal: exitSignal } = await this.process!.stop(signal);
    this.lastExit = { code, signal: exitSignal, afterMs: Date.now() - started };
    this.lastOutput = this.process!.output().slice(-OUTPUT_TAIL_CHARS);
    return this.lastExit.afterMs;
  }

  /** What the running process logged as an error (a 500's cause, with its stack), for the report. */
  errorLines(max = 40): string[] {
    // eslint-disable-next-line no-control-regex
    const lines = (this.process?.output() ?? '').replace(/\x1b\[[0-9;]*m/g, '').split('\n');
    const at = lines.findIndex((line) => / ERROR /.test(line) && !/still shutting down/.test(line));
    return at < 0 ? [] : lines.slice(at, at + max);
  }

  kill(): void {
    this.exitRequested = true;
    this.process?.child.kill('SIGKILL');
  }
}

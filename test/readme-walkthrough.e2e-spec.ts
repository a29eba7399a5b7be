import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

const ROOT = new URL('..', import.meta.url).pathname;

/** The README's walk-through block, as a newcomer pastes it. */
function walkthrough(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const block = /## Walk-through\n\n```bash\n([\s\S]*?)\n```/.exec(readme);
  if (!block) throw new Error('README.md has no "## Walk-through" bash block');
  return block[1];
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** Runs `script` in bash from the repository's folder; resolves with its exit code and output. */
function bash(script: string, env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', script], { cwd: ROOT, env: { ...process.env, ...env } });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('close', (code) => resolve({ code, output }));
  });
}

/*
 * The walk-through pasted whole, twice in a row, against this run's own database and Redis index
 * (never the development database) on a free port: the only change to the text is that port.
 */
describe("the README's walk-through", () => {
  it('works pasted whole, and again right after', async () => {
    const port = await freePort();
    const script = walkthrough().replaceAll('localhost:3000', `localhost:${port}`);
    const env = { PORT: String(port), CLEANUP_CRON: 'off', NODE_ENV: 'development' };

    for (const run of [1, 2]) {
      const { code, output } = await bash(script, env);
      try {
        expect(code).toBe(0);
        expect(output).not.toMatch(/SyntaxError|Unexpected end of JSON|"statusCode":\s*[45]\d\d/);
        // Each step's answer: the single append, the batch, the list, the page of messages, the PATCH, the stop.
        expect(output).toMatch(/"seq":1,"role":"user","content":"Hello"/);
        expect(output).toMatch(/"seq":2,"role":"assistant","content":\[\{"type":"output_text","text":"Hi"\}\]/);
        expect(output).toMatch(/"seq":3,"role":"user","content":"Go on"/);
        expect(output).toContain('"nextCursor"');
        expect(output).toContain('"nextBefore":null');
        expect(output).toContain('"title":"Pricing v2"');
        expect(output).toContain('SIGTERM received: shutting down');
        // One answer per step, each on its own line after its label: none run together.
        expect(output).not.toMatch(/\}\{|\}==/);
        for (const step of ['append', 'append a batch', 'my sessions', 'the latest 20 messages', 'update'])
          expect(output).toMatch(new RegExp(`^== ${step}\n\\{.*\\}$`, 'm'));
      } catch (error) {
        throw new Error(`run ${run}: ${(error as Error).message}\n--- the walk-through's output ---\n${output.slice(-4000)}`, {
          cause: error,
        });
      }
    }
  }, 300_000);
});

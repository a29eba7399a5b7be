import { type ChildProcess, spawn } from 'node:child_process';

const MAIN = new URL('../src/main.js', import.meta.url).pathname;

/** The built service as a separate process, as `npm start` runs it. */
export async function startService(port: number, env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, [MAIN], {
    env: { ...process.env, NODE_ENV: 'production', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`service on ${port} did not start: ${output}`)), 60000);
    child.stdout!.on('data', (chunk) => {
      output += chunk;
      if (output.includes('listening on')) {
        clearTimeout(timer);
        child.stdout!.resume();
        resolve();
      }
    });
    child.on('exit', (code) => reject(new Error(`service on ${port} exited with ${code}: ${output}`)));
  });
  return child;
}

export function stopService(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 10000).unref();
  });
}

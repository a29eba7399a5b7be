// `node scripts/run-built.mjs <built entry> [args]`: the npm scripts' launcher (start, token,
// worker, cleanup). It compiles only when a source is newer than the last build, so a second
// `npm run token` is instant instead of a 5 s rebuild; then it loads the entry into this very
// process, so that signals sent to the process npm started (SIGTERM, Ctrl-C) reach the service.
// Plain JavaScript: it must run before anything is built.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, utimesSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const SOURCES = ['src', 'scripts', 'migrations', 'bench', 'faults', 'web', 'package.json', 'tsconfig.json', 'tsconfig.build.json'];
const IGNORED = new Set(['node_modules', 'dist']);
const STAMP = 'dist/.tsbuildinfo'; // written by every `nest build` (tsconfig.build.json)

function newest(path) {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(
    0,
    ...readdirSync(path)
      .filter((name) => !IGNORED.has(name))
      .map((name) => newest(join(path, name))),
  );
}

const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: node scripts/run-built.mjs <dist entry, e.g. src/main.js> [args]');
  process.exit(2);
}
const built = newest(STAMP);
if (built === 0 || Math.max(...SOURCES.map(newest)) > built) {
  console.error('building (sources changed since the last build)...');
  // Its output on stderr: `TOKEN=$(npm run -s token ...)` must capture the token alone.
  // The whole root build (the service, the dashboard): `npm run build`.
  const build = spawnSync('npm', ['run', '--silent', 'build'], { stdio: ['ignore', 2, 2] });
  if (build.status !== 0) process.exit(build.status ?? 1);
  // An incremental build that emitted nothing leaves the stamp old: mark the sources as built.
  const now = new Date();
  utimesSync(STAMP, now, now);
}
process.argv = [process.argv[0], resolve('dist', entry), ...args];
await import(pathToFileURL(resolve('dist', entry)).href);

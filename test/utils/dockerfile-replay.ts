import ignoreModule, { type Ignore } from '@balena/dockerignore';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, posix, relative } from 'node:path';

// CommonJS whose module.exports is the factory, typed as a default export: Node hands over the factory.
const dockerignore = ignoreModule as unknown as typeof ignoreModule.default;

/*
 * Replays a Dockerfile on the host, for a machine without a Docker engine: each stage's WORKDIR is
 * an empty temporary folder; COPY copies exactly what Docker would (its sources, from the context
 * less .dockerignore, or from an earlier stage); RUN runs in that folder with the stage's ENV. Only
 * the instructions this project's Dockerfile uses are understood: any other one fails the replay,
 * so a new instruction cannot be skipped silently.
 */

export interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

export interface Stage {
  name: string;
  /** The stage's WORKDIR on this machine. */
  dir: string;
  workdir: string;
  env: Record<string, string>;
  /** CMD in exec form, HEALTHCHECK's command in shell form, EXPOSE's ports. */
  cmd?: string[];
  healthcheck?: string;
  exposed: number[];
}

/** The instructions, one per logical line (`\` continues a line; `#` lines are comments). */
export function parseDockerfile(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  let pending = '';
  let start = 0;
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (!pending && (line === '' || line.startsWith('#'))) return;
    if (!pending) start = index + 1;
    if (line.startsWith('#')) return; // a comment inside a continued instruction
    pending += line.endsWith('\\') ? `${line.slice(0, -1)} ` : line;
    if (line.endsWith('\\')) return;
    const [, keyword, args] = /^(\S+)\s*(.*)$/s.exec(pending)!;
    instructions.push({ keyword: keyword.toUpperCase(), args: args.trim(), line: start });
    pending = '';
  });
  return instructions;
}

export interface ReplayOptions {
  /** The build context (the repository). */
  context: string;
  /** Added to every RUN's environment (e.g. npm's prefer-offline, to reuse this machine's cache). */
  runEnv?: Record<string, string>;
  /** Called with each step, for the test's log. */
  log?: (step: string) => void;
}

/**
 * Replays every stage in order; returns them by name (the last one also as `final`). The caller
 * removes their folders (removeStages); a failed replay removes them itself.
 */
export async function replayDockerfile(dockerfile: string, options: ReplayOptions): Promise<Map<string, Stage>> {
  const stages = new Map<string, Stage>();
  try {
    return await replay(dockerfile, options, stages);
  } catch (error) {
    removeStages(stages);
    throw error;
  }
}

export function removeStages(stages: Map<string, Stage>): void {
  for (const stage of new Set(stages.values())) rmSync(stage.dir, { recursive: true, force: true });
}

async function replay(dockerfile: string, options: ReplayOptions, stages: Map<string, Stage>): Promise<Map<string, Stage>> {
  const ignore = dockerignore().add(readIgnoreFile(join(options.context, '.dockerignore')));
  let stage: Stage | undefined;
  for (const { keyword, args, line } of parseDockerfile(readFileSync(dockerfile, 'utf8'))) {
    const where = `Dockerfile:${line} ${keyword} ${args}`;
    options.log?.(where);
    if (keyword === 'FROM') {
      const name = /\sAS\s+(\S+)$/i.exec(args)?.[1] ?? `stage-${stages.size}`;
      stage = { name, dir: mkdtempSync(join(tmpdir(), `dockerfile-${name}-`)), workdir: '/', env: {}, exposed: [] };
      stages.set(name, stage);
      stages.set('final', stage);
      continue;
    }
    if (!stage) throw new Error(`${where}: before any FROM`);
    switch (keyword) {
      case 'WORKDIR':
        // One folder per stage stands for its WORKDIR: set once, before anything is copied there.
        if (stage.workdir !== '/' || readdirSync(stage.dir).length) throw new Error(`${where}: only one WORKDIR per stage is replayed`);
        stage.workdir = args;
        break;
      case 'ENV':
        for (const [, key, value] of args.matchAll(/(\w+)=("[^"]*"|\S+)/g)) stage.env[key] = value.replace(/^"|"$/g, '');
        break;
      case 'COPY':
        copy(stage, args, stages, options.context, ignore, where);
        break;
      case 'RUN':
        await run(args, stage.dir, { ...stage.env, ...options.runEnv }, where);
        break;
      case 'CMD':
        stage.cmd = JSON.parse(args) as string[];
        break;
      case 'HEALTHCHECK':
        stage.healthcheck = /\bCMD\s+(.*)$/s.exec(args)?.[1];
        break;
      case 'EXPOSE':
        stage.exposed.push(...args.split(/\s+/).map((port) => parseInt(port, 10)));
        break;
      case 'USER':
        // The replay runs as the test's user: the image's user only narrows what the process may write.
        break;
      default:
        throw new Error(`${where}: not understood by the replay`);
    }
  }
  return stages;
}

function readIgnoreFile(path: string): string[] {
  return existsSync(path) ? readFileSync(path, 'utf8').split('\n') : [];
}

/** COPY [--from=stage] src... dest, with Docker's rules for a folder source (its contents) and a trailing slash. */
function copy(stage: Stage, args: string, stages: Map<string, Stage>, context: string, ignore: Ignore, where: string) {
  const words = args.split(/\s+/);
  const from = words[0].startsWith('--from=') ? words.shift()!.slice('--from='.length) : undefined;
  if (words.some((word) => word.startsWith('--'))) throw new Error(`${where}: a flag the replay does not understand`);
  const dest = words.pop()!;
  if (words.length > 1 && !dest.endsWith('/')) throw new Error(`${where}: several sources need a destination ending in /`);
  const target = inStage(stage, posix.resolve(stage.workdir, dest), where);
  for (const source of words) {
    let path: string;
    let filter: (path: string) => boolean = () => true;
    if (from) {
      const origin = stages.get(from);
      if (!origin) throw new Error(`${where}: no stage named ${from}`);
      path = inStage(origin, posix.resolve(origin.workdir, source), where);
    } else {
      path = join(context, source);
      filter = (file) => {
        const rel = relative(context, file);
        return rel === '' || !ignore.ignores(rel);
      };
      if (!filter(path)) throw new Error(`${where}: ${source} is excluded by .dockerignore`);
    }
    if (!existsSync(path)) throw new Error(`${where}: ${source} does not exist`);
    const into = statSync(path).isDirectory() ? target : dest.endsWith('/') ? join(target, basename(path)) : target;
    mkdirSync(statSync(path).isDirectory() ? into : dirname(into), { recursive: true });
    cpSync(path, into, { recursive: true, filter: (file) => filter(file), dereference: false });
  }
}

/** A path inside the stage's WORKDIR, on this machine. */
function inStage(stage: Stage, absolute: string, where: string): string {
  const rel = posix.relative(stage.workdir, absolute);
  if (rel.startsWith('..')) throw new Error(`${where}: ${absolute} is outside the stage's WORKDIR (${stage.workdir})`);
  return join(stage.dir, rel);
}

function run(command: string, cwd: string, env: Record<string, string>, where: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], { cwd, env: { ...hostEnv(), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${where}: exited ${code}\n${output.slice(-4000)}`))));
  });
}

/**
 * What a container starts with: PATH and HOME, nothing of the test run's environment. PATH loses
 * every node_modules/.bin (the repository's would lend the replay tools its own install lacks).
 */
export function hostEnv(): Record<string, string> {
  const path = (process.env.PATH ?? '')
    .split(':')
    .filter((entry) => !entry.includes('node_modules'))
    .join(':');
  return { PATH: path, HOME: process.env.HOME ?? '/root' };
}

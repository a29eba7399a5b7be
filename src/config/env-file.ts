import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';

/**
 * Reads `.env` from the working directory into `env`, for every entry point (the service, the
 * worker, the token, cleanup and migration scripts) before it parses its configuration, so they
 * all see the same settings. The environment wins: a variable already set is never replaced.
 * No file is no error; returns the names it set, for the start-up log.
 */
export function readEnvFile(env: Record<string, string | undefined> = process.env, path = resolve('.env')): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new Error(`could not read ${path}: ${(error as Error).message}`, { cause: error });
  }
  const set: string[] = [];
  for (const [name, value] of Object.entries(parseEnv(text))) {
    if (env[name] !== undefined) continue;
    env[name] = value;
    set.push(name);
  }
  return set;
}

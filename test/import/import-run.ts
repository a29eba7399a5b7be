import { spawn, spawnSync } from 'node:child_process';
import { DatabaseSync } from 'node:sqlite';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
export const python = resolve(root, '.venv/bin/python');

/** `npm run import -- ...` as the built script, with the run's database and Redis index; its exit code and output. */
export function runImport(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, ['dist/scripts/import.js', ...args], {
    cwd: root,
    encoding: 'utf8',
    env: process.env,
    timeout: 300_000,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** The importer started in the background (for the kill test). */
export function startImport(...args: string[]) {
  return spawn(process.execPath, ['dist/scripts/import.js', ...args], { cwd: root, env: process.env, stdio: 'ignore' });
}

/** The verification table's row as numbers: [sessions, messages]. */
export function row(stdout: string, name: string): [number, number] {
  const line = stdout.split('\n').find((text) => text.slice(0, 14).trim() === name);
  if (!line) throw new Error(`no row ${name} in:\n${stdout}`);
  const [sessions, messages] = line.slice(14).trim().split(/\s+/).map(Number);
  return [sessions, messages];
}

/** An SDK-shaped SQLite file (SQLiteSession's schema), written directly: for bad rows and volume. */
export function agentsSqliteFile(
  path: string,
  sessions: Array<{ id: string; items: string[] }>,
  orphans: Array<{ id: string; items: string[] }> = [],
) {
  const db = new DatabaseSync(path);
  db.exec(`CREATE TABLE agent_sessions (session_id TEXT PRIMARY KEY, created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP, updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP);
    CREATE TABLE agent_messages (id INTEGER PRIMARY KEY AUTOINCREMENT, session_id TEXT NOT NULL, message_data TEXT NOT NULL, created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP);
    CREATE INDEX idx_agent_messages_session_id ON agent_messages (session_id, id);`);
  const addSession = db.prepare('INSERT INTO agent_sessions (session_id) VALUES (?)');
  const addMessage = db.prepare('INSERT INTO agent_messages (session_id, message_data) VALUES (?, ?)');
  db.exec('BEGIN');
  for (const session of sessions) {
    addSession.run(session.id);
    for (const item of session.items) addMessage.run(session.id, item);
  }
  for (const session of orphans) for (const item of session.items) addMessage.run(session.id, item);
  db.exec('COMMIT');
  db.close();
}

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';

/*
 * The physical anchors of `npm run bench:import`: psql's `\copy` of the rows the import writes,
 * (1) bare, into a scratch table without an index (the old anchor), and (2) into a scratch table
 * that is `messages` again (LIKE ... INCLUDING ALL: its primary key, (session_id, seq) key,
 * search indexes and generated columns; plus its foreign key to `sessions` and its triggers,
 * copied from the catalog), under fresh sessions of their own, naming user_id as the import does.
 * The second is the ceiling of any import into this schema: what PostgreSQL itself takes to
 * store the rows with every index and check the real table has.
 */
export const ANCHOR_USER = 'bench-anchor';

const quote = (text: string) => `"${text.replace(/"/g, '""')}"`;

/** The anchors' session ids, one per source session, the same on both sides of the copy. */
export function anchorSessionId(session: number): string {
  const hex = createHash('md5').update(`anchor-${session}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export class AnchorRows {
  private readonly bare: WriteStream;
  private readonly indexed: WriteStream;

  constructor(
    private readonly bareFile: string,
    private readonly indexedFile: string,
  ) {
    this.bare = createWriteStream(bareFile);
    this.indexed = createWriteStream(indexedFile);
  }

  /** One message, in both files; resolves when both can take more. */
  async add(session: number, key: string, seq: number, role: string, content: string, createdAt: string): Promise<void> {
    const bytes = Buffer.byteLength(content) + 2;
    const bare = this.bare.write(`${key},${seq},${role},${quote(content)},{}\n`);
    const indexed = this.indexed.write(
      `${anchorSessionId(session)},${seq},${role},${quote(content)},{},${bytes},${createdAt},${ANCHOR_USER}\n`,
    );
    if (!bare) await new Promise<void>((done) => this.bare.once('drain', () => done()));
    if (!indexed) await new Promise<void>((done) => this.indexed.once('drain', () => done()));
  }

  async end(): Promise<void> {
    await Promise.all([new Promise((done) => this.bare.end(done)), new Promise((done) => this.indexed.end(done))]);
  }

  /** Seconds each `\copy` took: bare, then into the indexed copy of `messages`. */
  time(url: string, sessions: number, perSession: number): { bare: number; indexed: number } {
    const psql = (command: string) => {
      const started = process.hrtime.bigint();
      const result = spawnSync('psql', [url, '-v', 'ON_ERROR_STOP=1', '-qc', command], { encoding: 'utf8' });
      if (result.status !== 0) throw new Error(`psql failed: ${result.stderr}`);
      return Number(process.hrtime.bigint() - started) / 1e9;
    };
    psql(
      'DROP TABLE IF EXISTS bench_copy_anchor; CREATE TABLE bench_copy_anchor (key varchar(255), seq int, role varchar(64), content json, metadata json)',
    );
    const bare = psql(`\\copy bench_copy_anchor FROM '${this.bareFile}' WITH (FORMAT csv)`);
    psql('DROP TABLE bench_copy_anchor');
    psql(`DROP TABLE IF EXISTS bench_copy_indexed;
      DELETE FROM sessions WHERE user_id = '${ANCHOR_USER}';
      INSERT INTO sessions (id, user_id, key, message_count, last_seq, expires_at)
        SELECT md5('anchor-' || n)::uuid, '${ANCHOR_USER}', 'anchor-' || n, ${perSession}, ${perSession}, now() + interval '30 days'
        FROM generate_series(0, ${sessions - 1}) AS n;
      CREATE TABLE bench_copy_indexed (LIKE messages INCLUDING ALL);
      ALTER TABLE bench_copy_indexed ADD FOREIGN KEY (session_id) REFERENCES sessions (id) ON DELETE CASCADE;
      DO $$ DECLARE t record; BEGIN
        FOR t IN SELECT pg_get_triggerdef(oid) AS def FROM pg_trigger WHERE tgrelid = 'messages'::regclass AND NOT tgisinternal LOOP
          EXECUTE regexp_replace(t.def, ' ON (public\\.)?messages ', ' ON bench_copy_indexed ');
        END LOOP;
      END $$`);
    const indexed = psql(
      `\\copy bench_copy_indexed (session_id, seq, role, content, metadata, text_bytes, created_at, user_id) FROM '${this.indexedFile}' WITH (FORMAT csv)`,
    );
    psql(`DROP TABLE bench_copy_indexed; DELETE FROM sessions WHERE user_id = '${ANCHOR_USER}'`);
    return { bare, indexed };
  }
}

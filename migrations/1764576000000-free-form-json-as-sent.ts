import type { MigrationInterface, QueryRunner } from 'typeorm';

const COLUMNS: Array<[table: string, column: string, emptyDefault: boolean]> = [
  ['sessions', 'context', true],
  ['sessions', 'metadata', true],
  ['messages', 'content', false],
  ['messages', 'metadata', true],
];

/**
 * Free-form JSON is kept as the client sent it: `json` stores the input text verbatim (key order,
 * duplicate keys, number spellings, escapes, `\u0000` and lone surrogates), where `jsonb` rewrites
 * it. Rows written before come over as jsonb's canonical text. No index uses these columns; the
 * defaults are dropped first (a jsonb default cannot be cast automatically) and set again as json.
 */
export class FreeFormJsonAsSent1764576000000 implements MigrationInterface {
  name = 'FreeFormJsonAsSent1764576000000';

  async up(q: QueryRunner): Promise<void> {
    for (const [table, column, emptyDefault] of COLUMNS) {
      const setDefault = emptyDefault ? `, ALTER COLUMN ${column} SET DEFAULT '{}'::json` : '';
      await q.query(
        `ALTER TABLE ${table} ALTER COLUMN ${column} DROP DEFAULT, ALTER COLUMN ${column} TYPE json USING ${column}::json${setDefault}`,
      );
    }
  }

  // Back to jsonb: key order and duplicates go; a value jsonb cannot hold (`\u0000`) stops the down.
  async down(q: QueryRunner): Promise<void> {
    for (const [table, column, emptyDefault] of COLUMNS) {
      const setDefault = emptyDefault ? `, ALTER COLUMN ${column} SET DEFAULT '{}'::jsonb` : '';
      await q.query(
        `ALTER TABLE ${table} ALTER COLUMN ${column} DROP DEFAULT, ALTER COLUMN ${column} TYPE jsonb USING ${column}::jsonb${setDefault}`,
      );
    }
  }
}

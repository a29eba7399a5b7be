import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AddSessionKey1764489600000 implements MigrationInterface {
  name = 'AddSessionKey1764489600000';

  // A client-chosen name, unique among one user's sessions that are not deleted: a delete frees it,
  // as it frees an Idempotency-Key. SessionsRepository.insert checks it under the user's quota lock.
  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sessions ADD COLUMN key varchar(255)`);
    await q.query(`CREATE UNIQUE INDEX sessions_key_idx ON sessions (user_id, key) WHERE key IS NOT NULL AND status <> 'deleted'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX sessions_key_idx`);
    await q.query(`ALTER TABLE sessions DROP COLUMN key`);
  }
}

import type { MigrationInterface, QueryRunner } from 'typeorm';

export class IdempotencyKeyFreeAfterDelete1764316800000 implements MigrationInterface {
  name = 'IdempotencyKeyFreeAfterDelete1764316800000';

  // A deleted session no longer holds its Idempotency-Key: the same key then creates a new session.
  // SessionsRepository.insert's ON CONFLICT repeats this predicate, so PostgreSQL infers this index.
  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX sessions_idempotency_idx`);
    await q.query(`CREATE UNIQUE INDEX sessions_idempotency_idx ON sessions (user_id, idempotency_key)
      WHERE idempotency_key IS NOT NULL AND status <> 'deleted'`);
  }

  // Two sessions (one deleted) may share a key by now: the deleted ones give theirs up.
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX sessions_idempotency_idx`);
    await q.query(`UPDATE sessions SET idempotency_key = NULL WHERE status = 'deleted' AND idempotency_key IS NOT NULL`);
    await q.query(`CREATE UNIQUE INDEX sessions_idempotency_idx ON sessions (user_id, idempotency_key) WHERE idempotency_key IS NOT NULL`);
  }
}

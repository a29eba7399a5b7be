import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A row of `messages`: one item of a session's ordered history. */
@Entity('messages')
export class MessageEntity {
  @PrimaryColumn('uuid') id: string;
  @Column({ name: 'session_id', type: 'uuid' }) sessionId: string;
  @Column({ type: 'int' }) seq: number;
  @Column({ type: 'varchar' }) role: string;
  @Column({ type: 'jsonb' }) content: unknown;
  @Column({ type: 'jsonb' }) metadata: Record<string, unknown>;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}

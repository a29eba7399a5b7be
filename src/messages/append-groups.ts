import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import type { Counter } from 'prom-client';
import { isDatabaseUnavailable } from '../common/database-errors.js';
import { databaseConfig } from '../config/app.config.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { SessionStore } from '../sessions/session.store.js';
import type { Session } from '../sessions/session.columns.js';
import { MessageAppendsRepository } from './message-appends.repository.js';
import { MessagesRepository, type NewMessage } from './messages.repository.js';

/** A plain append (no If-Match, no cap expected) waiting for its statement. */
export interface GroupedMessages {
  sessionId: string;
  userId: string;
  items: NewMessage[];
  /** The messages' ids (MessagesRepository.appendRider's). */
  ids: string[];
  idempotencyKey?: string;
}

interface Waiting extends GroupedMessages {
  bytes: number;
  done(session: Session | null): void;
  failed(error: unknown): void;
}

// A group stops growing at this many members or this much message text.
const MAX_MEMBERS = 64;
const MAX_GROUP_BYTES = 1024 * 1024;
// A larger append goes alone (its own statement, as without groups): no small append waits for it.
const MAX_MEMBER_ITEMS = 64;
const MAX_MEMBER_BYTES = 256 * 1024;

/**
 * Group commit for plain appends (docs/how-it-works.md, "Appends in groups"). An append goes at
 * once when fewer than APPEND_GROUP_STATEMENTS statements are in flight; those arriving meanwhile
 * go together in the next one: one statement, one commit, one round trip for many sessions. No
 * timer, so a lone append waits for nothing. A session has one append in flight at a time, so its
 * appends keep their order. Each member gets its own row (null: it matched nothing, and decides
 * alone under the lock); a statement PostgreSQL refused runs again member by member, so each
 * gets the answer it would have had alone.
 */
@Injectable()
export class AppendGroups {
  private readonly waiting: Waiting[] = [];
  private readonly inFlight = new Set<string>();
  private readonly maxStatements: number;
  private statements = 0;
  private readonly sent: Counter<string>;
  private readonly members: Counter<string>;

  constructor(
    private readonly rows: SessionStore,
    private readonly messages: MessagesRepository,
    private readonly appends: MessageAppendsRepository,
    @Inject(databaseConfig.KEY) database: ConfigType<typeof databaseConfig>,
    metrics: MetricsService,
  ) {
    this.maxStatements = database.appendGroupStatements;
    this.sent = metrics.counter('append_group_statements_total', 'Statements of grouped appends sent to PostgreSQL');
    this.members = metrics.counter('append_group_members_total', 'Appends those statements carried');
  }

  /** Whether an append of these goes in a group (groups are on, and it is small). */
  takes(items: NewMessage[]): boolean {
    return this.maxStatements > 0 && items.length <= MAX_MEMBER_ITEMS && bytesOf(items) <= MAX_MEMBER_BYTES;
  }

  /** The append's session row after its commit; null when it matched nothing. Rejects as its statement did. */
  touch(append: GroupedMessages): Promise<Session | null> {
    return new Promise((done, failed) => {
      this.waiting.push({ ...append, bytes: bytesOf(append.items), done, failed });
      this.next();
    });
  }

  private next(): void {
    while (this.statements < this.maxStatements) {
      const group = this.take();
      if (!group.length) return;
      this.statements++;
      void this.run(group).finally(() => {
        this.statements--;
        for (const member of group) this.inFlight.delete(member.sessionId);
        this.next();
      });
    }
  }

  /** The next group, in arrival order: one append per session, none of a session already in flight. */
  private take(): Waiting[] {
    const group: Waiting[] = [];
    const passed = new Set<string>();
    let bytes = 0;
    for (let index = 0; index < this.waiting.length && group.length < MAX_MEMBERS;) {
      const append = this.waiting[index];
      if (this.inFlight.has(append.sessionId) || passed.has(append.sessionId) || bytes + append.bytes > MAX_GROUP_BYTES) {
        // A later append of the same session must not overtake this one.
        passed.add(append.sessionId);
        index++;
        continue;
      }
      this.waiting.splice(index, 1);
      this.inFlight.add(append.sessionId);
      group.push(append);
      bytes += append.bytes;
    }
    return group;
  }

  private async run(group: Waiting[]): Promise<void> {
    try {
      const sessions = await this.statement(group);
      group.forEach((member, index) => member.done(sessions[index]));
    } catch (error) {
      if (group.length === 1 || !refusedAlone(error)) {
        for (const member of group) member.failed(error);
        return;
      }
      // Nothing committed: each member alone, for its own answer (a key already recorded, say).
      await Promise.all(group.map((member) => this.run([member])));
    }
  }

  private statement(group: Waiting[]): Promise<Array<Session | null>> {
    this.sent.inc();
    this.members.inc(group.length);
    const riders = [this.messages.groupRider(group), this.appends.groupRecordRider(group.map((member) => member.idempotencyKey))];
    return this.rows.touchAppends(
      group.map((member) => ({ id: member.sessionId, userId: member.userId, appended: member.items.length })),
      riders,
    );
  }
}

function bytesOf(items: NewMessage[]): number {
  let bytes = 0;
  for (const item of items) bytes += item.content.text.length + item.metadata.text.length;
  return bytes;
}

/** PostgreSQL refused the statement itself (it rolled back): not an outage, and not an answer lost. */
function refusedAlone(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !isDatabaseUnavailable(error);
}

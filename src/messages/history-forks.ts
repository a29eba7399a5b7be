import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import {
  ForkPointOutOfRangeError,
  QuotaExceededError,
  SessionKeyTakenError,
  SessionNotFoundError,
  TooManyForksError,
} from '../common/domain-error.js';
import { databaseConfig, limitsConfig } from '../config/app.config.js';
import { type TaggedSession, tagged } from '../sessions/session.mapper.js';
import { SessionStore } from '../sessions/session.store.js';
import type { DatabaseTimeouts } from '../database/data-source-options.js';
import type { ForkSessionDto } from './dto/fork-session.dto.js';
import { MessagesRepository } from './messages.repository.js';
import { ReadGate } from './read-gate.js';

/**
 * A new session holding a copy of a history up to a seq: the row (SessionStore.fork, create's rules)
 * and the copy in one statement, so one snapshot. A long copy holds its connection, so forks run
 * one per user and a quarter of the pool at most.
 */
@Injectable()
export class HistoryForks {
  private readonly gate: ReadGate;
  private readonly timeouts: DatabaseTimeouts;

  constructor(
    private readonly store: SessionStore,
    private readonly messages: MessagesRepository,
    @Inject(limitsConfig.KEY) private readonly limits: ConfigType<typeof limitsConfig>,
    @Inject(databaseConfig.KEY) database: ConfigType<typeof databaseConfig>,
  ) {
    const total = Math.max(1, Math.floor(database.poolSize / 4));
    this.gate = new ReadGate({ perUser: 1, total, queuedPerUser: 2, queuedTotal: 32, maxWaitMs: 10_000 }, () => new TooManyForksError());
    this.timeouts = database.forkTimeouts;
  }

  async fork(userId: string, sourceId: string, dto: ForkSessionDto, idempotencyKey?: string): Promise<TaggedSession> {
    const release = await this.gate.enter(userId);
    try {
      return await this.forkAdmitted(userId, sourceId, dto, idempotencyKey);
    } finally {
      release();
    }
  }

  private async forkAdmitted(userId: string, sourceId: string, dto: ForkSessionDto, idempotencyKey?: string): Promise<TaggedSession> {
    const outcome = await this.store.fork(
      {
        userId,
        sourceId,
        atSeq: dto.atSeq ?? null,
        idempotencyKey: idempotencyKey ?? null,
        key: dto.key ?? null,
        title: dto.title ?? null,
        metadata: dto.metadata ?? null,
      },
      this.limits.maxSessionsPerUser,
      this.messages.forkCopy(),
      this.timeouts,
    );
    if ('created' in outcome) return tagged(outcome.created);
    if ('existing' in outcome) return tagged(outcome.existing);
    if ('sourceMissing' in outcome) throw new SessionNotFoundError();
    if ('pastEnd' in outcome) throw new ForkPointOutOfRangeError(outcome.pastEnd);
    if (outcome.refused === 'key') throw new SessionKeyTakenError();
    throw new QuotaExceededError('MAX_SESSIONS_PER_USER', this.limits.maxSessionsPerUser);
  }
}

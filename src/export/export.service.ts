import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { databaseConfig } from '../config/app.config.js';
import { ReadGate } from '../messages/read-gate.js';
import type { Session } from '../sessions/session.columns.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { ExportLinesStream } from './export-lines.stream.js';
import { TooManyExportsError } from './export.errors.js';
import { ExportRepository } from './export.repository.js';

/**
 * Exports of a user's sessions (GET /api/v1/export, `npm run export`): one at a time per user,
 * and no more at once in this instance than the export pool has connections. An export is long:
 * one that cannot start at once is refused (429), never queued behind another.
 */
@Injectable()
export class ExportService {
  private readonly gate: ReadGate;

  constructor(
    private readonly repository: ExportRepository,
    private readonly sessions: SessionsService,
    @Inject(databaseConfig.KEY) database: ConfigType<typeof databaseConfig>,
  ) {
    this.gate = new ReadGate({ perUser: 1, total: database.streamPoolSize, queuedPerUser: 0, queuedTotal: 0, maxWaitMs: 0 });
  }

  /** The user's export, admitted and started before the answer is (so a 429 or a 503 is still an answer). */
  async open(userId: string): Promise<ExportLinesStream> {
    const release = await this.gate.enter(userId).catch(() => {
      throw new TooManyExportsError();
    });
    try {
      const first = await ExportLinesStream.firstPage(this.repository, userId);
      const shown = async (session: Session) => (await this.sessions.overlay([session]))[0];
      return new ExportLinesStream(userId, { repository: this.repository, shown }, first).once('close', release);
    } catch (error) {
      release();
      throw error;
    }
  }
}

import { Injectable } from '@nestjs/common';
import { SessionCache } from './session.cache.js';
import { SessionsRepository } from './sessions.repository.js';

/**
 * Whose a session is, by its id alone (a progress event names no user): the cached copy's, else
 * PostgreSQL's. It reads only, so an event sink can ask it without depending on the writer that
 * tells the sinks (SessionWriter -> SessionEvents -> sinks).
 */
@Injectable()
export class SessionOwners {
  constructor(
    private readonly cache: SessionCache,
    private readonly repository: SessionsRepository,
  ) {}

  /** The user the session belongs to; null when there is no such session. */
  async userIdOf(id: string): Promise<string | null> {
    const session = (await this.cache.get(id)) ?? (await this.repository.findById(id));
    return session?.userId ?? null;
  }
}

import { type ImportSource, SourceUnavailableError } from './import-source.js';
import { AgentsPostgresSource } from './sources/agents-postgres.source.js';
import { AgentsRedisSource } from './sources/agents-redis.source.js';
import { AgentsSqliteSource } from './sources/agents-sqlite.source.js';
import { JsonlSource } from './sources/jsonl.source.js';
import { SqliteConversationsSource } from './sources/sqlite-conversations.source.js';

export interface SourceFlags {
  sessionsTable: string;
  messagesTable: string;
  /** RedisSession's key_prefix */
  keyPrefix: string;
}

export const SOURCE_KINDS = ['agents-sqlite', 'agents-postgres', 'agents-redis', 'jsonl', 'sqlite-conversations'] as const;
const LOCATIONS: Record<(typeof SOURCE_KINDS)[number], string> = {
  'agents-sqlite': '<file>',
  'agents-postgres': '<url>',
  'agents-redis': '<url>',
  jsonl: '<file>',
  'sqlite-conversations': '<file>',
};

/** `kind:location` from the command line, opened; SourceUnavailableError when it cannot be. */
export async function openSource(spec: string, flags: SourceFlags): Promise<ImportSource> {
  const colon = spec.indexOf(':');
  const kind = colon < 0 ? spec : spec.slice(0, colon);
  const location = spec.slice(colon + 1);
  if (colon < 0 || !location)
    throw new SourceUnavailableError(`a source is kind:location, one of ${SOURCE_KINDS.map((k) => `${k}:${LOCATIONS[k]}`).join(', ')}`);
  switch (kind) {
    case 'agents-sqlite':
      return new AgentsSqliteSource(location, flags);
    case 'agents-postgres':
      return AgentsPostgresSource.open(location, flags);
    case 'agents-redis':
      return AgentsRedisSource.open(location, flags.keyPrefix);
    case 'jsonl':
      return JsonlSource.open(location);
    case 'sqlite-conversations':
      return new SqliteConversationsSource(location);
    default:
      throw new SourceUnavailableError(`unknown source kind ${JSON.stringify(kind)}: one of ${SOURCE_KINDS.join(', ')}`);
  }
}

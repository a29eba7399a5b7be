import { Injectable, type ArgumentMetadata, ParseUUIDPipe } from '@nestjs/common';
import { SessionNotFoundError } from '../common/domain-error.js';

/**
 * A malformed id is answered like an unknown one (404 SESSION_NOT_FOUND), as the contract asks,
 * never a 500 from PostgreSQL; ids are compared lower-case.
 */
@Injectable()
export class SessionIdPipe extends ParseUUIDPipe {
  constructor() {
    super({ exceptionFactory: () => new SessionNotFoundError() });
  }

  override async transform(value: string, metadata: ArgumentMetadata): Promise<string> {
    return (await super.transform(value, metadata))!.toLowerCase();
  }
}

import { Injectable, type ArgumentMetadata, ParseUUIDPipe } from '@nestjs/common';
import { LeaseNotFoundError } from '../common/domain-error.js';

/** A malformed lease id is answered like an unknown one (404 LEASE_NOT_FOUND). */
@Injectable()
export class LeaseIdPipe extends ParseUUIDPipe {
  constructor() {
    super({ exceptionFactory: () => new LeaseNotFoundError() });
  }

  override async transform(value: string, metadata: ArgumentMetadata): Promise<string> {
    return (await super.transform(value, metadata))!.toLowerCase();
  }
}

import { HttpStatus } from '@nestjs/common';
import { DomainError } from '../common/domain-error.js';

/** An export asked for while the user's own is running, or while this instance runs as many as it may. */
export class TooManyExportsError extends DomainError {
  readonly code = 'TOO_MANY_CONCURRENT_EXPORTS';
  readonly status = HttpStatus.TOO_MANY_REQUESTS;
  readonly headers = { 'Retry-After': '5' };
  constructor() {
    super('An export is already running (one per user at a time); retry when it has ended');
  }
}

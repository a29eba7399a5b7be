import { HttpStatus } from '@nestjs/common';
import { DomainError } from '../common/domain-error.js';

/** A manual pass asked for while another instance (or this one) is running one. */
export class CleanupInProgressError extends DomainError {
  readonly code = 'CLEANUP_IN_PROGRESS';
  readonly status = HttpStatus.CONFLICT;
  constructor() {
    super('A cleanup pass is already running; it removes what this one would have. Retry later for a new count.');
  }
}

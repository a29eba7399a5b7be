import { Injectable, type PipeTransform } from '@nestjs/common';
import { SessionNotFoundError } from '../common/domain-error.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A malformed id is answered like an unknown one (404), as the contract asks, never a 500 from PostgreSQL. */
@Injectable()
export class SessionIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!UUID.test(value)) throw new SessionNotFoundError();
    return value.toLowerCase();
  }
}

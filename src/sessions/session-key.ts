import { BadRequestException, Injectable, type PipeTransform } from '@nestjs/common';
import { registerDecorator } from 'class-validator';

export const SESSION_KEY_MAX = 255;

// Lone surrogates cannot be stored as text (PostgreSQL refuses them); ES2023 has no isWellFormed type.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// Cc is C0, DEL and C1: a key is a name that shows in logs and URLs, never a carrier of terminal controls.
const CONTROL = /\p{Cc}/u;

const KEY_RULE = `a key is 1 to ${SESSION_KEY_MAX} characters of well-formed Unicode without control characters`;

/** A client-chosen session key: 1..255 code points (as varchar(255) counts), well-formed, no controls. */
export function isSessionKey(value: unknown): value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 2 * SESSION_KEY_MAX) return false;
  if (LONE_SURROGATE.test(value) || CONTROL.test(value)) return false;
  return [...value].length <= SESSION_KEY_MAX;
}

export function IsSessionKey(): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isSessionKey',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: `$property: ${KEY_RULE}` },
      validator: { validate: isSessionKey },
    });
}

/** The `:key` of the by-key routes, under the same rule as the body's `key`: a bad one is a 400. */
@Injectable()
export class SessionKeyPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!isSessionKey(value)) throw new BadRequestException([KEY_RULE]);
    return value;
  }
}

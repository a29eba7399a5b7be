import { registerDecorator, type ValidationOptions } from 'class-validator';
import { JsonText } from './json-text.js';

/**
 * The rules that mark a property as free-form JSON: the validation pipe hands its value to the
 * service as a JsonText (the exact text sent) and never lets class-transformer walk it; the rules
 * below check that text.
 */
export const FREE_FORM_RULES: ReadonlySet<string> = new Set(['freeFormJson', 'isJsonObject', 'isPresent']);

/**
 * Marks a property as free-form JSON without constraining it (IsJsonObject and IsPresent imply it).
 * It is a class-validator rule that accepts anything, so PartialType/PickType carry it along.
 */
export function FreeFormJson(): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'freeFormJson',
      target: target.constructor,
      propertyName: propertyName as string,
      validator: { validate: () => true },
    });
}

/** A plain JSON object (not an array, not null) whose JSON text, as sent, is at most `maxBytes` long; free-form. */
export function IsJsonObject(maxBytes: number, options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isJsonObject',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: `$property must be a JSON object of at most ${maxBytes} bytes`, ...options },
      validator: {
        validate: (value: unknown) => value instanceof JsonText && value.isObject && value.byteLength <= maxBytes,
      },
    });
}

/** Present and not null: any other JSON value (string, number, array, object) is accepted; free-form. */
export function IsPresent(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isPresent',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: '$property is required (any JSON value except null)', ...options },
      validator: { validate: (value: unknown) => value instanceof JsonText && !value.isNull },
    });
}

/** The property may not be given together with any of `others` (two alternative forms of one body). */
export function NotWith(others: string[], options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'notWith',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: `$property cannot be combined with ${others.join(', ')}`, ...options },
      validator: {
        validate: (_value: unknown, args) => others.every((other) => (args?.object as Record<string, unknown>)[other] === undefined),
      },
    });
}

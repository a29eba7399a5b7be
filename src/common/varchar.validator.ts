import { registerDecorator } from 'class-validator';

/**
 * A string that fits a varchar(max) column: min..max code points, as PostgreSQL counts them.
 * class-validator's Length/MaxLength count a character followed by a variation selector (U+FE0E,
 * U+FE0F) as one, so 64 of those pairs passed @Length(1, 64) and then failed the varchar(64)
 * write, which in live progress stalled the flush of every session.
 */
export function FitsVarchar(min: number, max: number): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'fitsVarchar',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: `$property must be a string of ${min} to ${max} characters` },
      validator: {
        validate: (value: unknown) => {
          if (typeof value !== 'string') return false;
          const length = codePoints(value, max + 1);
          return length >= min && length <= max;
        },
      },
    });
}

/** Code points in `text`, counting no further than `limit` (a 1 MB string is not walked for a bound of 65). */
function codePoints(text: string, limit: number): number {
  if (text.length <= limit) return [...text].length;
  let count = 0;
  for (const _ of text) if (++count >= limit) break;
  return count;
}

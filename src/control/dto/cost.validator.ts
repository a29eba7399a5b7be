import { applyDecorators } from '@nestjs/common';
import { IsNumber, Max, Min, registerDecorator } from 'class-validator';
import { COST_DECIMALS } from '../../sessions/progress-bounds.js';

/**
 * A cost: a finite number in 0..max with at most COST_DECIMALS decimals. class-validator's own
 * `maxDecimalPlaces` reads the decimals off `toString()` and throws on exponent notation (1e-7),
 * which made such a body a 500; this counts them from the shortest round-trip form instead.
 */
export function IsCost(max: number): PropertyDecorator {
  return applyDecorators(IsNumber({ allowNaN: false, allowInfinity: false }), Min(0), Max(max), AtMostDecimals(COST_DECIMALS));
}

function AtMostDecimals(places: number): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'atMostDecimals',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: `$property must have at most ${places} decimal places` },
      validator: { validate: (value: unknown) => typeof value !== 'number' || decimalsOf(value) <= places },
    });
}

/** 1.25 has 2, 1e-7 has 7, 1.5e-7 has 8, 1e21 has 0. */
export function decimalsOf(value: number): number {
  const [mantissa, exponent = '0'] = String(value).split('e');
  const fraction = mantissa.split('.')[1] ?? '';
  return Math.max(0, fraction.length - Number(exponent));
}

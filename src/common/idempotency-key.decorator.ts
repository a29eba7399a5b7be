import { BadRequestException, createParamDecorator, type ExecutionContext } from '@nestjs/common';

/** The optional Idempotency-Key header: 1..255 visible ASCII characters, or a 400. */
export const IdempotencyKey = createParamDecorator((_data: unknown, context: ExecutionContext): string | undefined => {
  const value: unknown = context.switchToHttp().getRequest().headers['idempotency-key'];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^[\x21-\x7e]{1,255}$/.test(value)) {
    throw new BadRequestException('Idempotency-Key must be 1..255 visible ASCII characters');
  }
  return value;
});

import { JwtService } from '@nestjs/jwt';
import { randomUUID } from 'node:crypto';

const jwt = new JwtService();

/** A valid HS256 token for `user`, signed like a real issuer would with the test secret. */
export function tokenFor(user: string, options: { roles?: string[]; expiresIn?: number; secret?: string } = {}): string {
  return jwt.sign(
    { sub: user, roles: options.roles ?? [] },
    { secret: options.secret ?? process.env.AUTH_JWT_SECRET!, algorithm: 'HS256', expiresIn: options.expiresIn ?? 3600 },
  );
}

/** A user id no other test uses, so parallel test files never see each other's sessions. */
export function newUser(prefix = 'user'): string {
  return `${prefix}-${randomUUID()}`;
}

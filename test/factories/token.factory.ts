import { randomUUID } from 'node:crypto';
import { mintToken, signClaims } from '../../src/auth/token-signer.js';

/** A valid HS256 token for `user`, signed like a real issuer would with the test secret. */
export function tokenFor(user: string, options: { roles?: string[]; expiresIn?: number; secret?: string } = {}): string {
  return mintToken(user, options.secret ?? process.env.AUTH_JWT_SECRET!, options);
}

/** A token holding exactly `claims`, signed with the test secret: for claims no issuer should send. */
export function tokenWithClaims(claims: Record<string, unknown>): string {
  return signClaims(claims, process.env.AUTH_JWT_SECRET!);
}

/** A user id no other test uses, so parallel test files never see each other's sessions. */
export function newUser(prefix = 'user'): string {
  return `${prefix}-${randomUUID()}`;
}

import { createHmac } from 'node:crypto';

/*
 * The one way this repository mints HS256 tokens: `npm run token`, the tests, bench and faults.
 * The service itself never signs (it only verifies, with jose). Synchronous on purpose: jose's
 * SignJWT is async only, and the test factories build Authorization headers inline; an HS256
 * compact JWS is one HMAC over two base64url JSON parts (RFC 7515), which jose verifies.
 */

const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Signs `claims` exactly as given (tests use it for tokens a real issuer would never produce). */
export function signClaims(claims: Record<string, unknown>, secret: string): string {
  const unsigned = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

export interface TokenOptions {
  roles?: string[];
  /** Seconds from now; negative for an already expired token. */
  expiresIn?: number;
}

/** A token for `user` as an issuer would mint it: `sub`, `roles`, `iat` and `exp`. */
export function mintToken(user: string, secret: string, options: TokenOptions = {}): string {
  const now = Math.floor(Date.now() / 1000);
  return signClaims({ sub: user, roles: options.roles ?? [], iat: now, exp: now + (options.expiresIn ?? 3600) }, secret);
}

import type { JWTPayload } from 'jose';
import type { AuthUser } from './auth-user.js';

/** How far ahead of this clock an issuer's `iat` may be (clock skew), in seconds. */
export const MAX_IAT_SKEW_SECONDS = 60;
// The latest instant a JavaScript Date holds: an `exp` beyond it (such as 1e300) never expires.
const LAST_DATE_SECONDS = 8.64e12;
// Control characters, and surrogate code points (in `u` mode only unpaired ones match): a lone
// surrogate would be stored as U+FFFD and alias the user whose id holds a real U+FFFD there.
const NOT_ALLOWED_IN_SUB = /[\p{Cc}\p{Cs}]/u;

/**
 * The rules jose does not apply itself, on a payload whose signature, `exp` (present, not passed)
 * and `nbf` it has already checked. Returns the user, or why the token is refused.
 */
export function userFromClaims(claims: JWTPayload, nowSeconds = Date.now() / 1000): AuthUser | string {
  if ((claims.exp as number) > LAST_DATE_SECONDS) return "the token's exp is past any representable time";
  if (typeof claims.iat === 'number' && claims.iat > nowSeconds + MAX_IAT_SKEW_SECONDS)
    return `the token was issued in the future (${new Date(claims.iat * 1000).toISOString()}): check the issuer's clock`;
  const sub = claims.sub;
  if (typeof sub !== 'string') return "the token's sub (the user id) must be a string";
  const length = [...sub].length;
  if (length < 1 || length > 128) return "the token's sub (the user id) must be 1..128 characters";
  if (NOT_ALLOWED_IN_SUB.test(sub)) return "the token's sub (the user id) must be well-formed Unicode without control characters";
  const roles = Array.isArray(claims.roles) ? claims.roles.filter((role): role is string => typeof role === 'string') : [];
  return { id: sub, roles };
}

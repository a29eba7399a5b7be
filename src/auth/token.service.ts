import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import type { AuthUser } from './auth-user.js';
import { VerifiedTokens } from './verified-tokens.js';

/**
 * Verifies bearer tokens with the module's HS256 key: only HS256 is accepted, so `alg: none` and
 * algorithm confusion are refused; `sub` must be 1..128 characters.
 */
@Injectable()
export class TokenService {
  private readonly verified = new VerifiedTokens();

  constructor(private readonly jwt: JwtService) {}

  verify(token: string): AuthUser | null {
    const known = this.verified.get(token);
    if (known) return known;
    try {
      const claims = this.jwt.verify<{ sub?: unknown; roles?: unknown; exp?: number }>(token, { algorithms: ['HS256'] });
      const sub = claims.sub;
      if (typeof sub !== 'string' || sub.length < 1 || sub.length > 128 || sub.includes('\u0000')) return null;
      const roles = Array.isArray(claims.roles) ? claims.roles.filter((role): role is string => typeof role === 'string') : [];
      const user = { id: sub, roles };
      this.verified.set(token, user, claims.exp ? claims.exp * 1000 : Infinity);
      return user;
    } catch {
      return null;
    }
  }
}

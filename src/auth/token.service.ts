import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import type { AuthUser } from './auth-user.js';

/**
 * Verifies bearer tokens with the module's HS256 key: only HS256 is accepted, so `alg: none` and
 * algorithm confusion are refused; `sub` must be 1..128 characters.
 */
@Injectable()
export class TokenService {
  constructor(private readonly jwt: JwtService) {}

  async verify(token: string): Promise<AuthUser | null> {
    try {
      const claims = await this.jwt.verifyAsync<{ sub?: unknown; roles?: unknown }>(token, { algorithms: ['HS256'] });
      const sub = claims.sub;
      if (typeof sub !== 'string' || sub.length < 1 || sub.length > 128 || sub.includes('\u0000')) return null;
      const roles = Array.isArray(claims.roles) ? claims.roles.filter((role): role is string => typeof role === 'string') : [];
      return { id: sub, roles };
    } catch {
      return null;
    }
  }

  sign(user: AuthUser, expiresInSeconds = 3600): Promise<string> {
    return this.jwt.signAsync({ sub: user.id, roles: user.roles }, { expiresIn: expiresInSeconds });
  }
}

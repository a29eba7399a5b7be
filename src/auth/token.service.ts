import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { JwtService } from '@nestjs/jwt';
import { authConfig } from '../config/app.config.js';
import type { AuthUser } from './auth-user.js';

/** Verifies bearer tokens: HS256 only (so `alg: none` and RS/HS confusion are refused), `sub` 1..128. */
@Injectable()
export class TokenService {
  constructor(
    private readonly jwt: JwtService,
    @Inject(authConfig.KEY) private readonly config: ConfigType<typeof authConfig>,
  ) {}

  async verify(token: string): Promise<AuthUser | null> {
    try {
      const claims = await this.jwt.verifyAsync<{ sub?: unknown; roles?: unknown }>(token, {
        secret: this.config.jwtSecret,
        algorithms: ['HS256'],
      });
      const sub = claims.sub;
      if (typeof sub !== 'string' || sub.length < 1 || sub.length > 128 || sub.includes('\u0000')) return null;
      const roles = Array.isArray(claims.roles) ? claims.roles.filter((role): role is string => typeof role === 'string') : [];
      return { id: sub, roles };
    } catch {
      return null;
    }
  }

  sign(user: AuthUser, expiresInSeconds = 3600): Promise<string> {
    return this.jwt.signAsync(
      { sub: user.id, roles: user.roles },
      { secret: this.config.jwtSecret, algorithm: 'HS256', expiresIn: expiresInSeconds },
    );
  }
}

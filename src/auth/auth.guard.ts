import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ForbiddenError, UnauthenticatedError } from '../common/domain-error.js';
import { IS_PUBLIC, REQUIRED_ROLE } from './auth.decorators.js';
import { TokenService } from './token.service.js';

/** Global guard: every route needs a valid bearer token unless marked @Public(). */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: TokenService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const request = context.switchToHttp().getRequest();
    const header: unknown = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(header) : null;
    if (!match) throw new UnauthenticatedError('Missing or malformed Authorization: Bearer <token>');
    const user = this.tokens.verify(match[1]);
    if (!user) throw new UnauthenticatedError('Invalid or expired token');
    const role = this.reflector.getAllAndOverride<string>(REQUIRED_ROLE, targets);
    if (role && !user.roles.includes(role)) throw new ForbiddenError(`This route needs the ${role} role`);
    request.user = user;
    return true;
  }
}

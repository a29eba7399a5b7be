import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ForbiddenError } from '../common/domain-error.js';
import { IS_PUBLIC, REQUIRED_ROLE } from './auth.decorators.js';
import { TokenService } from './token.service.js';

/**
 * Global guard: every route needs a valid bearer token unless marked @Public(), and the role a
 * route requires (403 otherwise). The token was checked before the body (authenticateBeforeBody);
 * a route outside the API prefix is authenticated here instead.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: TokenService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const user = (request.user ??= await this.tokens.authenticate(request.headers.authorization));
    const role = this.reflector.getAllAndOverride<string>(REQUIRED_ROLE, targets);
    if (role && !user.roles.includes(role)) throw new ForbiddenError(`This route needs the ${role} role`);
    return true;
  }
}

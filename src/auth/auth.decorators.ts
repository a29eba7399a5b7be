import { createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import type { AuthUser } from './auth-user.js';

export const IS_PUBLIC = 'auth:public';
export const REQUIRED_ROLE = 'auth:role';

/** Routes outside /api/v1 (health, docs) skip authentication. */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/** Only tokens whose `roles` include this role may call the route (403 otherwise). */
export const RequireRole = (role: string) => SetMetadata(REQUIRED_ROLE, role);

/** The authenticated caller, as authenticateBeforeBody (or the guard) attached it to the request. */
export const CurrentUser = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AuthUser => context.switchToHttp().getRequest().user,
);

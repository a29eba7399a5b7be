import { BadRequestException, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum.js';
import type { Observable } from 'rxjs';
import type { DtoClass } from './dto-shape.js';

const MAX_NAMED = 10;

/**
 * A route without @Body() would silently ignore a body (`POST /start {"foo":1}`): the contract
 * rejects unknown fields there too. No body, or `{}`, is fine. Runs after the guards, so an
 * unauthenticated request still gets its 401 first.
 */
export class RefuseUnexpectedBodyInterceptor implements NestInterceptor {
  private readonly takesBody = new WeakMap<DtoClass, boolean>();

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() === 'http' && !this.routeTakesBody(context)) {
      const { body } = context.switchToHttp().getRequest<{ body?: unknown }>();
      const fields = body && typeof body === 'object' ? Object.keys(body).slice(0, MAX_NAMED) : [];
      if (fields.length) throw new BadRequestException(fields.map((field) => `property ${field} should not exist`));
    }
    return next.handle();
  }

  private routeTakesBody(context: ExecutionContext): boolean {
    const handler = context.getHandler();
    let takes = this.takesBody.get(handler);
    if (takes === undefined) {
      const args: Record<string, unknown> = Reflect.getMetadata(ROUTE_ARGS_METADATA, context.getClass(), handler.name) ?? {};
      takes = Object.keys(args).some((key) => key.startsWith(`${RouteParamtypes.BODY}:`));
      this.takesBody.set(handler, takes);
    }
    return takes;
  }
}

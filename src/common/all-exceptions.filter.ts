import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { STATUS_CODES } from 'node:http';
import { isClientDataError, isDatabaseUnavailable } from './database-errors.js';
import { DatabaseUnavailableError, DomainError } from './domain-error.js';

interface ErrorBody {
  statusCode: number;
  error: string;
  message: string | string[];
  code?: string;
  [extra: string]: unknown;
}

// Codes for the errors NestJS and Fastify raise themselves, so every 4xx carries one.
export const CODE_BY_STATUS: Record<number, string> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  408: 'REQUEST_TIMEOUT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'TOO_MANY_REQUESTS',
  431: 'HEADERS_TOO_LARGE',
};

// What a client that forgot the header (curl -d sends a form type) needs to hear.
const SEND_JSON = 'the body must be JSON, sent with the header Content-Type: application/json';

/**
 * The one place that turns a failure into HTTP: domain errors by their code, NestJS and Fastify
 * errors in the same shape, PostgreSQL outages as 503 with Retry-After. Anything else is a bug:
 * logged with its stack and answered 500.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const error = isDatabaseUnavailable(exception) ? new DatabaseUnavailableError() : exception;
    const { body, headers } = this.describe(error);
    // Domain errors are expected answers (a 503 for an outage included): only the unexpected is a bug to log.
    if (body.statusCode >= 500 && !(error instanceof DomainError)) {
      this.logger.error((exception as Error)?.stack ?? String(exception));
    }
    void reply.status(body.statusCode).headers(headers).send(body);
  }

  private describe(error: unknown): { body: ErrorBody; headers: Record<string, string> } {
    if (error instanceof DomainError) {
      return { body: { ...this.base(error.status, error.message), code: error.code, ...error.details }, headers: error.headers };
    }
    if (error instanceof HttpException) {
      const status = error.getStatus();
      const response = error.getResponse();
      const said = typeof response === 'object' ? ((response as ErrorBody).message ?? error.message) : response;
      const message = status === 415 ? SEND_JSON : said;
      return { body: { ...this.base(status, message), code: CODE_BY_STATUS[status] }, headers: {} };
    }
    // Fastify's own errors (body too large, bad media type, malformed JSON) carry a statusCode.
    const fastifyStatus = (error as { statusCode?: number })?.statusCode;
    if (typeof fastifyStatus === 'number' && fastifyStatus >= 400 && fastifyStatus < 500) {
      const message = fastifyStatus === 415 ? SEND_JSON : (error as Error).message;
      return { body: { ...this.base(fastifyStatus, message), code: CODE_BY_STATUS[fastifyStatus] }, headers: {} };
    }
    if (isClientDataError(error)) {
      return { body: { ...this.base(400, 'a value was not accepted by the database'), code: 'VALIDATION_FAILED' }, headers: {} };
    }
    return { body: this.base(HttpStatus.INTERNAL_SERVER_ERROR, 'Internal server error'), headers: {} };
  }

  private base(statusCode: number, message: string | string[]): ErrorBody {
    return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message };
  }
}

import { type ArgumentsHost, Catch, type ExceptionFilter, Inject } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { LOGGER } from '../logging/logger.module.js';
import { SCIM_PREFIX, sendScimError } from '../scim/scim-error-reply.js';
import { setErrorHeaders, toErrorBody } from './error-body.js';
import { wasLogged } from '@xero-access/model';

/** The global filter: every error as an ErrorBody (SCIM routes: a SCIM error). */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    // Errors Fastify raises before a SCIM handler runs (body parsing, rate limit) speak SCIM too.
    if (request.url.startsWith(SCIM_PREFIX)) return sendScimError(reply, error, this.logger);
    const body = toErrorBody(error);
    setErrorHeaders(reply, body.statusCode);
    // An error logged where it happened (the audit log's write-ahead) is not logged again.
    if (!wasLogged(error)) this.log(error, body.statusCode, request.id);
    void reply.status(body.statusCode).send(body);
  }

  private log(error: unknown, status: number, reqId: string): void {
    if (status === 503) this.logger.warn({ err: error, reqId }, 'answered 503 (retry later)');
    else if (status >= 500) this.logger.error({ err: error, reqId }, 'request failed');
  }
}

import { type ArgumentsHost, Catch, type ExceptionFilter, Inject } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import { LOGGER } from '../logging/logger.module.js';
import { sendScimError } from './scim-error-reply.js';

/** SCIM routes answer errors in the RFC 7644 §3.12 format, whatever raised them. */
@Catch()
export class ScimExceptionFilter implements ExceptionFilter {
  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  catch(error: unknown, host: ArgumentsHost): void {
    sendScimError(host.switchToHttp().getResponse<FastifyReply>(), error, this.logger);
  }
}

import { type ArgumentsHost, Catch, type ExceptionFilter, Inject } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import { toErrorBody } from '../http/exception.filter.js';
import { LOGGER } from '../logging/logger.module.js';
import { SCIM_CONTENT_TYPE, SCIM_ERROR, ScimError, type ScimType } from './scim.types.js';

function scimTypeFor(status: number, message: string): ScimType | undefined {
  if (status === 409) return 'uniqueness';
  if (status === 400)
    return /unknown field|not allowed/.test(message) ? 'invalidSyntax' : 'invalidValue';
  return undefined;
}

/** SCIM routes answer errors in the RFC 7644 §3.12 format, whatever raised them. */
@Catch()
export class ScimExceptionFilter implements ExceptionFilter {
  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    let status: number;
    let detail: string;
    let scimType: ScimType | undefined;
    if (error instanceof ScimError) {
      ({ status, detail, scimType } = error);
    } else {
      const body = toErrorBody(error);
      status = body.statusCode;
      detail = body.message;
      scimType = scimTypeFor(status, detail);
      if (status >= 500) this.logger.error({ err: error }, 'SCIM request failed');
    }
    void reply
      .status(status)
      .header('content-type', SCIM_CONTENT_TYPE)
      .send({
        schemas: [SCIM_ERROR],
        status: String(status),
        ...(scimType ? { scimType } : {}),
        detail,
      });
  }
}

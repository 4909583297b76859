import type { FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import { setErrorHeaders, toErrorBody } from '../http/error-body.js';
import { wasLogged } from '@xero-access/model';
import { SCIM_CONTENT_TYPE, SCIM_ERROR, ScimError, type ScimType } from './scim.types.js';

export const SCIM_PREFIX = '/scim/v2/';

function scimTypeFor(status: number, message: string): ScimType | undefined {
  if (status === 409) return 'uniqueness';
  if (status === 400)
    return /unknown field|not allowed/.test(message) ? 'invalidSyntax' : 'invalidValue';
  return undefined;
}

/**
 * An error in the RFC 7644 §3.12 format, whatever raised it. An unexpected error (500) is logged
 * with its request id, unless it was logged where it happened.
 */
export function sendScimError(reply: FastifyReply, error: unknown, logger: Logger): void {
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
    if (status >= 500 && status !== 503 && !wasLogged(error))
      logger.error({ err: error, reqId: reply.request.id }, 'SCIM request failed');
  }
  setErrorHeaders(reply, status);
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

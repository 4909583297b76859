import type { AuditActor } from '@xero-access/model';
import type { FastifyRequest } from 'fastify';
import { AUDIT_ACTOR, PRINCIPAL, type RequestWithPrincipal } from '../auth/principal.js';

export function actorOf(request: FastifyRequest & RequestWithPrincipal): string {
  return request[PRINCIPAL]?.actor ?? request[AUDIT_ACTOR] ?? 'anonymous';
}

/** Who makes this request and from where, as every audit log entry about it names them. */
export function auditActorOf(request: FastifyRequest & RequestWithPrincipal): AuditActor {
  return {
    actor: actorOf(request),
    actorRole: request[PRINCIPAL]?.role ?? null,
    sourceIp: request.ip,
    userAgent: request.headers['user-agent'] ?? null,
    requestId: String(request.id),
  };
}

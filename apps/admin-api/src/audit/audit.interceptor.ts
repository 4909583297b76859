import {
  type CallHandler,
  type ExecutionContext,
  Inject,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Database } from '@xero-access/model';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { type Observable, catchError, concatMap, from, throwError } from 'rxjs';
import { AUDIT_ACTOR, PRINCIPAL, type RequestWithPrincipal } from '../auth/principal.js';
import { DB } from '../database/database.module.js';
import { toErrorBody } from '../http/error-body.js';
import { LOGGER } from '../logging/logger.module.js';
import { ScimError } from '../scim/scim.types.js';
import { AUDITED } from './audited.decorator.js';

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The resource a route writes: `/findings/:id/accept` → findings. */
function resourceType(routePath: string): string {
  const segments = routePath.split('/').filter((s) => s && !s.startsWith(':'));
  if (segments[0] === 'scim') return 'scim.users';
  return segments[0] ?? 'root';
}

/** The path's ids, or for a create (no ids in the path) the id of what it created. */
function resourceId(params: Record<string, string> | undefined, result?: unknown): string | null {
  const values = Object.values(params ?? {}).filter(Boolean);
  if (values.length) return values.join('/');
  const created = (result as { id?: unknown } | null | undefined)?.id;
  return typeof created === 'string' ? created : null;
}

/** The status the caller gets for this error, as the exception filters answer it. */
function failureStatus(error: unknown): number {
  return error instanceof ScimError ? error.status : toErrorBody(error).statusCode;
}

/**
 * Records every write (who, what, when, from where, outcome) in the audit log. Runs for all
 * routes, so no handler can forget it; the request body is not stored (it may hold personal data).
 */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  constructor(
    @Inject(DB) private readonly db: Database,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(Reflector) private readonly reflector: Reflector,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<FastifyRequest & RequestWithPrincipal>();
    if (!WRITES.has(request.method) && !this.reflector.get<boolean>(AUDITED, context.getHandler()))
      return next.handle();
    // The entry is written before the response leaves. Nest sets the route's status (201, 204)
    // before the handler runs, so the reply already holds the status the caller will get.
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    return next.handle().pipe(
      concatMap(async (value: unknown) => {
        await this.record(request, 'success', reply.statusCode, value);
        return value;
      }),
      catchError((error: unknown) =>
        from(this.record(request, 'failure', failureStatus(error))).pipe(
          concatMap(() => throwError(() => error)),
        ),
      ),
    );
  }

  private async record(
    request: FastifyRequest & RequestWithPrincipal,
    outcome: 'success' | 'failure',
    status: number,
    result?: unknown,
  ): Promise<void> {
    const principal = request[PRINCIPAL];
    const route = request.routeOptions.url ?? request.url.split('?')[0]!;
    try {
      await this.db.audit.append({
        actor: principal?.actor ?? request[AUDIT_ACTOR] ?? 'anonymous',
        actorRole: principal?.role ?? null,
        action: `${request.method} ${route}`,
        resourceType: resourceType(route),
        resourceId: resourceId(request.params as Record<string, string> | undefined, result),
        sourceIp: request.ip,
        userAgent: request.headers['user-agent'] ?? null,
        requestId: String(request.id),
        outcome,
        details: { status },
      });
    } catch (error) {
      this.logger.error(
        { err: error, action: `${request.method} ${route}` },
        'could not write the audit log entry',
      );
    }
  }
}

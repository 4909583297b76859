import {
  type CallHandler,
  type ExecutionContext,
  Inject,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { classifyDatabaseOutage, markLogged, type Database } from '@xero-access/model';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { type Observable, catchError, concatMap, from, throwError } from 'rxjs';
import { AUDIT_RESOURCE_ID, type RequestWithPrincipal } from '../auth/principal.js';
import { DB } from '../database/database.module.js';
import { RETRY_AFTER_SECONDS } from '../http/database-unavailable.js';
import { unavailable } from '../http/errors.js';
import { LOGGER } from '../logging/logger.module.js';
import { actorOf, auditActorOf } from './audit-actor.js';
import { AUDITED } from './audited.decorator.js';
import { refusalOf, type Refusal } from './refusal.js';

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

/** Settling an entry is retried this often, with this pause between, before it stays `pending`. */
const SETTLE_ATTEMPTS = 3;
const SETTLE_PAUSE_MS = 200;

/**
 * Records every write (who, what, when, from where, outcome) in the audit log. Runs for all
 * routes, so no handler can forget it; the request body is not stored (it may hold personal data
 * and secrets). `details` holds the status the caller got and, for a refusal, why (refusalOf):
 * what the write changed is in the entries the services add themselves (`staff.update`, …).
 *
 * Write-ahead: the entry is written (`pending`) before the handler runs, and a write whose entry
 * cannot be written is refused with a 503 before it changes anything, so no change goes
 * unaudited. The outcome is recorded after the handler; if even that fails, the entry stays
 * `pending`: the request was made and its outcome is unknown.
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
    // Nest sets the route's status (201, 204) before the handler runs, so after it the reply
    // holds the status the caller will get.
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    return from(this.begin(request)).pipe(
      concatMap((entryId) =>
        next.handle().pipe(
          concatMap(async (value: unknown) => {
            await this.settle(request, entryId, 'success', { status: reply.statusCode }, value);
            return value;
          }),
          catchError((error: unknown) =>
            from(this.settle(request, entryId, 'failure', refusalOf(error))).pipe(
              concatMap(() => throwError(() => error)),
            ),
          ),
        ),
      ),
    );
  }

  /** Writes the pending entry; the request is refused if it cannot be written. */
  private async begin(request: FastifyRequest & RequestWithPrincipal): Promise<string> {
    const route = routeOf(request);
    try {
      const entry = await this.db.audit.append({
        ...auditActorOf(request),
        action: `${request.method} ${route}`,
        resourceType: resourceType(route),
        resourceId: resourceId(request.params as Record<string, string> | undefined),
        outcome: 'pending',
      });
      return entry.id;
    } catch (error) {
      // Logged here, once: the exception filter answers the 503 without logging it again.
      this.logger.error(
        { err: error, reqId: request.id, action: `${request.method} ${route}` },
        'could not write the audit log entry; the request was refused',
      );
      // An outage gets the answer every route gives one (busy or unreachable, and SCIM's format).
      if (classifyDatabaseOutage(error)) throw markLogged(error);
      throw markLogged(
        unavailable(
          `the audit log cannot be written, so nothing was changed; retry in ${RETRY_AFTER_SECONDS} s`,
        ),
      );
    }
  }

  /** Records the outcome; retried, because the change itself has already happened. */
  private async settle(
    request: FastifyRequest & RequestWithPrincipal,
    entryId: string,
    outcome: 'success' | 'failure',
    answer: Pick<Refusal, 'status'> | Refusal,
    result?: unknown,
  ): Promise<void> {
    const settlement = {
      outcome,
      // The OAuth callback learns who started the flow only while it runs.
      actor: actorOf(request),
      resourceId:
        request[AUDIT_RESOURCE_ID] ??
        resourceId(request.params as Record<string, string> | undefined, result),
      details: { ...answer },
    };
    for (let attempt = 1; ; attempt++) {
      try {
        await this.db.audit.settle(entryId, settlement);
        return;
      } catch (error) {
        if (attempt < SETTLE_ATTEMPTS) {
          await new Promise((resolve) => setTimeout(resolve, SETTLE_PAUSE_MS * attempt));
          continue;
        }
        this.logger.error(
          {
            err: error,
            reqId: request.id,
            auditEntryId: entryId,
            action: `${request.method} ${routeOf(request)}`,
            outcome,
            status: answer.status,
          },
          'could not record the outcome in the audit log; the entry stays pending',
        );
        return;
      }
    }
  }
}

function routeOf(request: FastifyRequest): string {
  return request.routeOptions.url ?? request.url.split('?')[0]!;
}

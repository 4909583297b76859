import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import { DECORATORS } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import type { Observable } from 'rxjs';
import { SCIM_PREFIX } from '../scim/scim-error-reply.js';
import { BadRequestField } from './errors.js';

/** RFC 7644 §3.9: a SCIM client may send these to any SCIM route (this API answers every attribute). */
const SCIM_ON_EVERY_ROUTE = ['attributes', 'excludedAttributes'];

interface DeclaredInput {
  query: ReadonlySet<string>;
  body: boolean;
}

interface ParameterMetadata {
  in?: string;
  name?: string;
}

/**
 * What a route declares, read from the metadata its OpenAPI operation is built from (ValidQuery,
 * ValidBody, ApiBody write it): what the document says a route takes is what it accepts.
 */
function declaredInput(handler: object): DeclaredInput {
  const parameters = (Reflect.getMetadata(DECORATORS.API_PARAMETERS, handler) ??
    []) as ParameterMetadata[];
  return {
    query: new Set(parameters.flatMap((p) => (p.in === 'query' && p.name ? [p.name] : []))),
    body: parameters.some((p) => p.in === 'body'),
  };
}

/** No payload, an empty one, or `{}` (what some clients send with every POST) carry nothing. */
function carriesNothing(body: unknown): boolean {
  if (body === undefined || body === '') return true;
  return (
    typeof body === 'object' &&
    body !== null &&
    !Array.isArray(body) &&
    Object.keys(body).length === 0
  );
}

/**
 * Refuses, on every route, a query parameter the route does not declare and a body on a route that
 * takes none (400 naming `query.<name>` / `body`), so nothing a client sends is silently ignored.
 * Registered once, globally; SCIM routes also take `attributes` and `excludedAttributes`, and
 * answer in SCIM's error format (their exception filter).
 */
@Injectable()
export class UndeclaredInputInterceptor implements NestInterceptor {
  private readonly routes = new WeakMap<object, DeclaredInput>();

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const declared = this.declared(context.getHandler());
    const scim = request.url.startsWith(SCIM_PREFIX);
    const query = (request.query ?? {}) as Record<string, unknown>;
    for (const name of Object.keys(query)) {
      if (declared.query.has(name) || (scim && SCIM_ON_EVERY_ROUTE.includes(name))) continue;
      const takes = [...declared.query];
      throw new BadRequestField(
        `query.${name}`,
        `unknown parameter (not allowed); this route takes ${takes.length ? takes.join(', ') : 'no query parameters'}`,
      );
    }
    if (!declared.body && !carriesNothing(request.body))
      throw new BadRequestField('body', 'not allowed: this route takes no body');
    return next.handle();
  }

  private declared(handler: object): DeclaredInput {
    let input = this.routes.get(handler);
    if (!input) {
      input = declaredInput(handler);
      this.routes.set(handler, input);
    }
    return input;
  }
}

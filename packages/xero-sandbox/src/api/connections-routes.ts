import type { FastifyInstance } from 'fastify';
import { authenticate, isDenial } from './authenticate.js';
import type { ApiContext } from './context.js';
import { connectionBody } from './serialize.js';

/** GET /connections and DELETE /connections/{id}: the tenants the token's grant may use. */
export function registerConnectionRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get<{ Querystring: { authEventId?: string } }>('/connections', async (request, reply) => {
    const caller = authenticate(ctx, request);
    if (isDenial(caller))
      return reply.code(caller.status).headers(caller.headers).send(caller.body);
    const { grant } = caller;
    const filter = request.query.authEventId;
    const body = [];
    if (!grant.revoked && (filter === undefined || filter === grant.grantId)) {
      for (const connection of grant.connections.values()) {
        const tenant = ctx.store.tenants.get(connection.tenantId);
        if (tenant) body.push(connectionBody(grant, connection, tenant));
      }
    }
    await ctx.faults.delay('api');
    return reply.headers(ctx.limiter.standingHeaders({ clientId: caller.app.clientId })).send(body);
  });

  app.delete<{ Params: { id: string } }>('/connections/:id', async (request, reply) => {
    const caller = authenticate(ctx, request);
    if (isDenial(caller))
      return reply.code(caller.status).headers(caller.headers).send(caller.body);
    const removed = caller.grant.connections.delete(request.params.id.toLowerCase());
    await ctx.faults.delay('api');
    return reply
      .headers(ctx.limiter.standingHeaders({ clientId: caller.app.clientId }))
      .code(removed ? 204 : 404)
      .send();
  });
}

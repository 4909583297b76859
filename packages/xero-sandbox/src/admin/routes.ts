import type { FastifyInstance, FastifyReply } from 'fastify';
import type { FaultSettings } from '../faults/faults.js';
import type { OrganisationRole, SeedUser } from '../seed/schema.js';
import type { RateLimitProblem } from '../state/stats.js';
import type { SandboxAdmin, UserPatch } from './admin.js';

const isNotFound = (message: string): boolean =>
  message.startsWith('unknown ') || message.includes('not found');

/** Runs an admin action and maps its error to 404 (unknown id) or 400 (bad input). */
async function attempt(
  reply: FastifyReply,
  action: () => unknown,
  status = 200,
): Promise<FastifyReply> {
  try {
    const result = action();
    return reply.code(result === undefined ? 204 : status).send(result);
  } catch (error) {
    const message = (error as Error).message;
    return reply.code(isNotFound(message) ? 404 : 400).send({ error: message });
  }
}

/** The JSON admin endpoint under /_sandbox: the same operations as the programmatic admin methods. */
export function registerAdminRoutes(
  app: FastifyInstance,
  admin: SandboxAdmin,
  info: () => unknown,
): void {
  app.get('/info', async () => info());
  app.get('/stats', async () => admin.stats());
  app.post('/stats/reset', async (_request, reply) => attempt(reply, () => admin.resetStats()));

  app.get('/faults', async () => admin.faults());
  app.put<{ Body: FaultSettings }>('/faults', async (request, reply) =>
    attempt(reply, () => {
      admin.setFaults(request.body ?? {});
      return admin.faults();
    }),
  );
  app.delete('/faults', async (_request, reply) => attempt(reply, () => admin.clearFaults()));

  app.get<{ Params: { tenantId: string } }>('/tenants/:tenantId/users', async (request, reply) =>
    attempt(reply, () => admin.listUsers(request.params.tenantId)),
  );
  app.post<{ Params: { tenantId: string }; Body: SeedUser }>(
    '/tenants/:tenantId/users',
    async (request, reply) =>
      attempt(reply, () => admin.addUser(request.params.tenantId, request.body), 201),
  );
  app.patch<{ Params: { tenantId: string; userId: string }; Body: UserPatch }>(
    '/tenants/:tenantId/users/:userId',
    async (request, reply) =>
      attempt(reply, () =>
        admin.updateUser(request.params.tenantId, request.params.userId, request.body ?? {}),
      ),
  );
  app.put<{
    Params: { tenantId: string; userId: string };
    Body: { organisationRole: OrganisationRole };
  }>('/tenants/:tenantId/users/:userId/role', async (request, reply) =>
    attempt(reply, () =>
      admin.setUserRole(
        request.params.tenantId,
        request.params.userId,
        request.body?.organisationRole,
      ),
    ),
  );
  app.delete<{ Params: { tenantId: string; userId: string }; Querystring: { hard?: string } }>(
    '/tenants/:tenantId/users/:userId',
    async (request, reply) =>
      attempt(reply, () =>
        admin.removeUser(request.params.tenantId, request.params.userId, {
          hard: request.query.hard === 'true',
        }),
      ),
  );
  app.post<{ Params: { tenantId: string }; Body: { clientId?: string } }>(
    '/tenants/:tenantId/disconnect',
    async (request, reply) =>
      attempt(reply, () => ({
        removed: admin.disconnectTenant(request.params.tenantId, request.body?.clientId),
      })),
  );

  app.post<{ Params: { grantId: string } }>('/grants/:grantId/revoke', async (request, reply) =>
    attempt(reply, () => admin.revokeGrant(request.params.grantId)),
  );
  app.delete<{ Params: { grantId: string; scope: string } }>(
    '/grants/:grantId/scopes/:scope',
    async (request, reply) =>
      attempt(reply, () => admin.removeScope(request.params.grantId, request.params.scope)),
  );
  app.post<{ Body: { grantId?: string } }>('/access-tokens/expire', async (request, reply) =>
    attempt(reply, () => ({ expired: admin.expireAccessTokens(request.body?.grantId) })),
  );
  app.post<{
    Body: {
      problem: RateLimitProblem;
      retryAfterSeconds?: number;
      count?: number;
      tenantId?: string;
    };
  }>('/rate-limit', async (request, reply) =>
    attempt(reply, () =>
      admin.forceRateLimit(
        request.body?.problem,
        request.body?.retryAfterSeconds,
        request.body?.count,
        request.body?.tenantId,
      ),
    ),
  );
}

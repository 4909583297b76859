import type { FastifyInstance } from 'fastify';
import { parseIfModifiedSince } from '../util/dates.js';
import { accountingHandler } from './accounting-handler.js';
import type { ApiContext } from './context.js';
import { xeroProblem } from './problem.js';
import { envelope, organisationBody, userBody } from './serialize.js';

/** Xero's validation error body (xero_accounting.yaml, components.schemas.Error). */
const validationError = (message: string) => ({
  ErrorNumber: 10,
  Type: 'ValidationException',
  Message: message,
  Elements: [],
});

/** GET Users, Users/{UserID}, Organisation, Currencies under /api.xro/2.0. */
export function registerAccountingRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get(
    '/api.xro/2.0/Users',
    accountingHandler(ctx, ({ request, app: client, tenant, now }) => {
      let since: number | undefined;
      try {
        since = parseIfModifiedSince(request.headers['if-modified-since']);
      } catch (error) {
        return { status: 400, body: validationError((error as Error).message) };
      }
      const users: ReturnType<typeof userBody>[] = [];
      for (const user of tenant.users.values()) {
        if (since === undefined || user.updatedAt > since) users.push(userBody(user));
      }
      return { status: 200, body: { ...envelope(client, now), Users: users } };
    }),
  );

  app.get<{ Params: { UserID: string } }>(
    '/api.xro/2.0/Users/:UserID',
    accountingHandler(ctx, ({ request, app: client, tenant, now }) => {
      const { UserID } = request.params as { UserID: string };
      const user = tenant.users.get(UserID.toLowerCase());
      if (!user) {
        return {
          status: 404,
          body: xeroProblem(404, 'Not Found', `User ${UserID} was not found in this organisation`),
        };
      }
      return { status: 200, body: { ...envelope(client, now), Users: [userBody(user)] } };
    }),
  );

  app.get(
    '/api.xro/2.0/Organisation',
    accountingHandler(ctx, ({ app: client, tenant, now }) => ({
      status: 200,
      body: { ...envelope(client, now), Organisations: [organisationBody(tenant)] },
    })),
  );

  app.get(
    '/api.xro/2.0/Currencies',
    accountingHandler(ctx, ({ app: client, tenant, now }) => ({
      status: 200,
      body: {
        ...envelope(client, now),
        Currencies: tenant.currencies.map((c) => ({ Code: c.code, Description: c.description })),
      },
    })),
  );
}

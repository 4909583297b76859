import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultStack, type FaultStack } from '../src/fault-stack.js';
import { faultCommand, recordFaultResult } from '../src/record.js';
import { allows, concretePath, routesOf, type Role, type Route } from '../src/route-table.js';

/**
 * Every route of the running admin API, from the route table it publishes (`x-required-role` in
 * /openapi.json): without a token 401, with every role below the one required 403.
 */
describe('admin API authorization from its route table', () => {
  let fs: FaultStack;
  let routes: Route[];
  const tokens = new Map<Role, string>();
  const measured = { protectedRoutes: 0, refusals: 0, allowedCalls: 0 };

  beforeAll(async () => {
    fs = await startFaultStack('authz');
    routes = routesOf(
      (await (await fetch(`${fs.stack.admin.baseUrl}/openapi.json`)).json()) as Parameters<
        typeof routesOf
      >[0],
    );
    tokens.set('admin', fs.stack.adminToken);
    for (const role of ['viewer', 'reviewer', 'scim'] as const)
      tokens.set(
        role,
        (
          await fs.stack.admin.request<{ token: string }>('POST', '/tokens', {
            name: `faults-${role}`,
            role,
          })
        ).token,
      );
  });
  afterAll(async () => {
    await fs?.stack.stop();
  });

  const call = async (route: Route, token?: string) => {
    const body = ['POST', 'PUT', 'PATCH'].includes(route.method) ? '{}' : undefined;
    const response = await fetch(`${fs.stack.admin.baseUrl}${concretePath(route.path)}`, {
      method: route.method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body,
    });
    await response.arrayBuffer();
    return response.status;
  };

  it('refuses every protected route without a token (401) and to every role it does not allow (403)', async () => {
    const protectedRoutes = routes.filter((r) => r.requiredRole !== 'public');
    expect(protectedRoutes.length).toBeGreaterThan(30);
    const wrong: string[] = [];
    let checks = 0;
    for (const route of protectedRoutes) {
      const anonymous = await call(route);
      checks++;
      if (anonymous !== 401)
        wrong.push(`${route.method} ${route.path} without a token: ${anonymous}`);
      for (const [role, token] of tokens) {
        if (allows(route, role)) continue;
        const status = await call(route, token);
        checks++;
        if (status !== 403) wrong.push(`${route.method} ${route.path} as ${role}: ${status}`);
      }
    }
    console.log(
      `${protectedRoutes.length} protected routes, ${checks} refusals checked, ${wrong.length} wrong`,
    );
    expect(wrong).toEqual([]);
    measured.protectedRoutes = protectedRoutes.length;
    measured.refusals = checks;
  });

  it('lets each role through on the routes it allows (no 401 or 403)', async () => {
    const wrong: string[] = [];
    for (const route of routes.filter((r) => r.requiredRole !== 'public' && r.method === 'GET'))
      for (const [role, token] of tokens) {
        if (!allows(route, role)) continue;
        const status = await call(route, token);
        measured.allowedCalls++;
        if (status === 401 || status === 403)
          wrong.push(`${route.method} ${route.path} as ${role}: ${status}`);
      }
    expect(wrong).toEqual([]);
    expect(measured.refusals).toBeGreaterThan(0);
    await recordFaultResult({
      id: 'authorization-matrix',
      kind: 'bad-input',
      title: 'Authorization matrix',
      injected:
        'every route of the running admin API from its published route table (x-required-role in ' +
        '/openapi.json), called without a token and with a viewer, reviewer, admin and scim token ' +
        '(ids that exist nowhere, body {})',
      held:
        `${measured.protectedRoutes} protected routes: ${measured.refusals} refusals checked ` +
        '(401 without a token, 403 for every role below the one required), 0 wrong; ' +
        `${measured.allowedCalls} GET calls by allowed roles, none answered 401 or 403`,
      dataLost: 0,
      dataChecked: 'not counted: every call is refused or reads (ids that exist nowhere)',
      command: faultCommand('authorization.fault.test.ts'),
    });
  });
});

import { testKubeConfig } from '@xero-access/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREDENTIAL_ROLES, allows } from '../auth/roles.js';
import { KubeGateway } from '../kube/kube.js';
import { startHarness, type Harness } from './harness.js';
import { concrete, routeTable } from './route-table.js';

const routes = await routeTable();
const protectedRoutes = routes.filter((r) => r.rule !== 'public');

describe('authorization matrix (every route × every role)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('sqlite', { kube: new KubeGateway(testKubeConfig()) });
  });
  afterAll(async () => h?.close());

  it('covers every route of the app', () => {
    expect(routes.length).toBeGreaterThan(30);
    expect(
      routes
        .filter((r) => r.rule === 'public')
        .map((r) => `${r.method} ${r.path}`)
        .sort(),
    ).toEqual([
      'GET /connect/callback',
      'GET /health/dependencies',
      'GET /health/live',
      'GET /health/ready',
    ]);
  });

  it.each(protectedRoutes)('$method $path without a token → 401', async ({ method, path }) => {
    const response = await h.call(method, concrete(path), {
      body: method === 'GET' || method === 'DELETE' ? undefined : {},
    });
    expect(response.statusCode).toBe(401);
    expect(response.body).toMatch(/bearer token/);
    expect(response.headers['www-authenticate']).toBe('Bearer');
  });

  it.each(protectedRoutes)(
    '$method $path with an unknown token → 401',
    async ({ method, path }) => {
      const response = await h.call(method, concrete(path), {
        token: 'xao_unknownunknownunknownunknownunknown00',
      });
      expect(response.statusCode).toBe(401);
    },
  );

  const cells = protectedRoutes.flatMap((route) =>
    CREDENTIAL_ROLES.map((role) => ({ ...route, role, allowed: allows(route.rule, role) })),
  );
  it.each(cells)(
    '$method $path as $role (needs $rule) → allowed: $allowed',
    async ({ method, path, role, allowed }) => {
      const response = await h.call(method, concrete(path), {
        token: h.tokens[role],
        body: method === 'GET' || method === 'DELETE' ? undefined : {},
      });
      if (allowed) expect([401, 403]).not.toContain(response.statusCode);
      else expect(response.statusCode).toBe(403);
      expect(response.statusCode).toBeLessThan(500);
    },
  );
});

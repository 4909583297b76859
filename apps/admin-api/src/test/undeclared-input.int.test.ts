import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccessRule } from '../auth/roles.js';
import { SCIM_PREFIX } from '../scim/scim-error-reply.js';
import { SCIM_ERROR } from '../scim/scim.types.js';
import { DIALECTS, startHarness, type Harness, type TestResponse } from './harness.js';
import { undocumented, type OpenApiDocument } from './openapi-conformance.js';
import { concrete, routeTable } from './route-table.js';

interface AuditEntry {
  outcome: string;
  details: { field?: string } | null;
}

/** The field an error names: `field`, or on SCIM routes what the SCIM error's `detail` starts with. */
function namedField(path: string, response: TestResponse): string | undefined {
  const body = response.json<{ field?: string; schemas?: string[]; detail?: string }>();
  if (!path.startsWith(SCIM_PREFIX)) return body.field;
  expect(body.schemas).toEqual([SCIM_ERROR]);
  return body.detail?.split(': ')[0];
}

const routes = await routeTable();
const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const bodiless = routes.filter((r) => WRITES.has(r.method) && !r.takesBody);

describe.each(DIALECTS)('what a route does not declare is refused on $dialect', ({ dialect }) => {
  let h: Harness;
  let served: OpenApiDocument;
  beforeAll(async () => {
    h = await startHarness(dialect);
    served = (await h.call('GET', '/openapi.json')).json();
  });
  afterAll(async () => h?.close());

  const tokenFor = (rule: AccessRule) =>
    rule === 'public' ? null : rule === 'scim' ? h.tokens.scim : h.tokens.admin;

  it('covers every route, and some that take no body', () => {
    expect(routes.length).toBeGreaterThan(30);
    expect(bodiless.map((r) => `${r.method} ${r.path}`)).toEqual(
      expect.arrayContaining(['POST /reviews/{id}/complete', 'DELETE /tokens/{id}']),
    );
  });

  it.each(routes)('$method $path?x=1 → 400 naming query.x', async ({ method, path, rule }) => {
    const response = await h.call(method, `${concrete(path)}?x=1`, { token: tokenFor(rule) });
    expect(response.statusCode, response.body).toBe(400);
    expect(namedField(path, response)).toBe('query.x');
    expect(undocumented(served, method, path, response)).toEqual([]);
  });

  it.each(bodiless)(
    '$method $path with a body → 400 naming body',
    async ({ method, path, rule }) => {
      const response = await h.call(method, concrete(path), {
        token: tokenFor(rule),
        body: { force: true },
      });
      expect(response.statusCode, response.body).toBe(400);
      expect(namedField(path, response)).toBe('body');
    },
  );

  it.each(bodiless)(
    '$method $path without a body, or with {}, is not refused for it',
    async ({ method, path, rule }) => {
      for (const body of [undefined, {}]) {
        const response = await h.call(method, concrete(path), { token: tokenFor(rule), body });
        expect(response.statusCode, `${JSON.stringify(body)}: ${response.body}`).not.toBe(400);
      }
    },
  );

  it('takes the parameters a route declares', async () => {
    const findings = await h.call('GET', '/findings', {
      token: h.tokens.viewer,
      query: { order: 'asc', limit: '1' },
    });
    expect(findings.statusCode, findings.body).toBe(200);
  });

  it("takes SCIM's parameters on SCIM routes: filter, startIndex, count, attributes, excludedAttributes", async () => {
    const scim = { token: h.tokens.scim };
    const list = await h.call('GET', '/scim/v2/Users', {
      ...scim,
      query: {
        filter: 'userName eq "ann@acme.example"',
        startIndex: '1',
        count: '10',
        attributes: 'userName',
        excludedAttributes: 'groups',
      },
    });
    expect(list.statusCode, list.body).toBe(200);
    const one = await h.call('GET', `${concrete('/scim/v2/Users/{id}')}?attributes=userName`, scim);
    expect(one.statusCode, one.body).toBe(404);
    const config = await h.call(
      'GET',
      '/scim/v2/ServiceProviderConfig?excludedAttributes=meta',
      scim,
    );
    expect(config.statusCode, config.body).toBe(200);
  });

  it('leaves the health probes as they were', async () => {
    for (const probe of ['/health/live', '/health/ready'])
      expect((await h.call('GET', probe)).statusCode, probe).toBe(200);
  });

  it('audits a write it refuses, as any other 400', async () => {
    const refused = await h.call('DELETE', `${concrete('/tokens/{id}')}?force=yes`, {
      token: h.tokens.admin,
    });
    expect(refused.statusCode).toBe(400);
    const entries = await h.call('GET', '/audit-log', {
      token: h.tokens.admin,
      query: { action: 'DELETE /tokens/:id' },
    });
    const items = entries.json<{ items: AuditEntry[] }>().items;
    expect(items.filter((e) => e.details?.field === 'query.force')).toEqual([
      expect.objectContaining({
        outcome: 'failure',
        details: expect.objectContaining({ status: 400 }),
      }),
    ]);
  });
});

import { testKubeConfig } from '@xero-access/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCESS_EXTENSION } from '../auth/access.decorator.js';
import type { AccessRule } from '../auth/roles.js';
import { KubeGateway } from '../kube/kube.js';
import { generateOpenApiDocument } from '../openapi/generate.js';
import { seedAcme } from './fixtures.js';
import { DIALECTS, startHarness, type Harness } from './harness.js';

interface Route {
  method: string;
  path: string;
  rule: AccessRule;
}

const doc = (await generateOpenApiDocument()) as {
  paths: Record<string, Record<string, Record<string, unknown>>>;
};
const routes: Route[] = Object.entries(doc.paths).flatMap(([path, methods]) =>
  Object.entries(methods).map(([method, op]) => ({
    method: method.toUpperCase(),
    path,
    rule: op[ACCESS_EXTENSION] as AccessRule,
  })),
);

const pathValues = [
  "x' OR 1=1 --",
  '%00',
  '..%2F..%2Fetc',
  'A'.repeat(300),
  '0190f0d2-0000-7000-8000-000000000000',
  '-1',
  'ünïcödé',
];
const queries = [
  '',
  '?limit=-1',
  '?limit=1e309',
  '?cursor=%00',
  '?since=0000-00-00',
  '?status=open&status=open',
  '?a[b]=c',
  '?connection=%2F',
];
const bodies: (string | undefined)[] = [
  undefined,
  '{}',
  '[]',
  '"text"',
  '12',
  'null',
  'true',
  '{"a":'.repeat(200) + '1' + '}'.repeat(200),
  '{"__proto__":{"x":1}}',
  '{"constructor":{"prototype":{"x":1}}}',
];

/** Every route, with hostile path values, query strings and bodies: a 4xx or success, never a 5xx. */
describe.each(DIALECTS)('no route answers 5xx to hostile input on $dialect', ({ dialect }) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(dialect, { kube: new KubeGateway(testKubeConfig()) });
    await seedAcme(h.model);
  });
  afterAll(async () => h?.close());

  it.each(routes)('$method $path', async ({ method, path, rule }) => {
    const token = rule === 'public' ? undefined : rule === 'scim' ? h.tokens.scim : h.tokens.admin;
    const failures: string[] = [];
    for (const value of pathValues) {
      for (const query of queries) {
        const url = path.replace(/\{[^}]+\}/g, encodeURIComponent(value)) + query;
        const sendBody = method !== 'GET';
        for (const body of sendBody ? bodies : [undefined]) {
          const response = await h.call(method, url, {
            token,
            ...(body !== undefined
              ? { rawBody: body, headers: { 'content-type': 'application/json' } }
              : {}),
          });
          if (response.statusCode >= 500)
            failures.push(
              `${method} ${url} ${body ?? ''} → ${response.statusCode} ${response.body}`,
            );
          // Never a 503 either: the cluster is configured.
        }
      }
    }
    expect(failures).toEqual([]);
  });
});

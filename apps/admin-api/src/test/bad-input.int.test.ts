import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedAcme } from './fixtures.js';
import { DIALECTS, startHarness, type Harness, type InjectOptions } from './harness.js';

interface Case {
  name: string;
  method: string;
  url: string | ((ids: Ids) => string);
  options?: Omit<InjectOptions, 'token'>;
  status: number;
  /** Expected `field` of the error (exactly; the message starts with it), or a pattern the message must match. */
  field?: string;
  message?: RegExp;
}

interface Ids {
  finding: string;
  snapshot: string;
}

const future = new Date(Date.now() + 86_400_000).toISOString();
const otherScopeCursor = Buffer.from(
  JSON.stringify(['findings:lastSeenAt:asc', Date.now(), 'x']),
).toString('base64url');
const cursorOf = (value: unknown, id: unknown) =>
  Buffer.from(JSON.stringify(['findings:firstSeenAt:desc', value, id])).toString('base64url');
const wrongShapeCursor = Buffer.from(JSON.stringify({ hello: 'world' })).toString('base64url');

const cases: Case[] = [
  {
    name: 'malformed JSON',
    method: 'POST',
    url: (i) => `/findings/${i.finding}/accept`,
    options: { rawBody: '{"reason": "x",', headers: { 'content-type': 'application/json' } },
    status: 400,
    message: /JSON/i,
  },
  {
    name: 'JSON that is an array',
    method: 'POST',
    url: (i) => `/findings/${i.finding}/accept`,
    options: { body: [1, 2] },
    status: 400,
    field: 'body',
  },
  {
    name: 'JSON null',
    method: 'POST',
    url: (i) => `/findings/${i.finding}/accept`,
    options: { rawBody: 'null', headers: { 'content-type': 'application/json' } },
    status: 400,
  },
  {
    name: 'prototype pollution',
    method: 'POST',
    url: (i) => `/findings/${i.finding}/accept`,
    options: {
      rawBody: `{"reason":"x","expiresAt":"${future}","__proto__":{"admin":true}}`,
      headers: { 'content-type': 'application/json' },
    },
    status: 400,
  },
  {
    name: 'wrong type: reason is a number',
    method: 'POST',
    url: (i) => `/findings/${i.finding}/accept`,
    options: { body: { reason: 42, expiresAt: future } },
    status: 400,
    field: 'body.reason',
  },
  {
    name: 'wrong type: expiresAt is not a date',
    method: 'POST',
    url: (i) => `/findings/${i.finding}/accept`,
    options: { body: { reason: 'x', expiresAt: 'next tuesday' } },
    status: 400,
    field: 'body.expiresAt',
  },
  {
    name: 'missing required field',
    method: 'POST',
    url: (i) => `/findings/${i.finding}/accept`,
    options: { body: { expiresAt: future } },
    status: 400,
    field: 'body.reason',
  },
  {
    name: 'unknown body field',
    method: 'POST',
    url: (i) => `/findings/${i.finding}/accept`,
    options: { body: { reason: 'x', expiresAt: future, acceptedBy: 'someone-else' } },
    status: 400,
    field: 'body.acceptedBy',
    message: /unknown field/,
  },
  {
    name: 'unknown query parameter',
    method: 'GET',
    url: '/findings?colour=red',
    status: 400,
    field: 'query.colour',
  },
  {
    name: 'limit not a number',
    method: 'GET',
    url: '/findings?limit=abc',
    status: 400,
    field: 'query.limit',
  },
  {
    name: 'limit too large',
    method: 'GET',
    url: '/findings?limit=100000',
    status: 400,
    field: 'query.limit',
  },
  {
    name: 'limit zero',
    method: 'GET',
    url: '/findings?limit=0',
    status: 400,
    field: 'query.limit',
  },
  {
    name: 'unknown severity',
    method: 'GET',
    url: '/findings?severity=critical',
    status: 400,
    field: 'query.severity.0',
  },
  {
    name: 'since not a date',
    method: 'GET',
    url: '/findings?since=yesterday',
    status: 400,
    field: 'query.since',
  },
  {
    name: 'sort by a value every sync rewrites',
    method: 'GET',
    url: '/findings?sort=lastSeenAt',
    status: 400,
    field: 'query.sort',
    message: /^query\.sort: lastSeenAt cannot order pages: .*use sort=firstSeenAt/,
  },
  {
    name: 'connection not namespace/name',
    method: 'GET',
    url: '/findings?connection=../../etc/passwd',
    status: 400,
    field: 'query.connection',
  },
  {
    name: 'cursor garbage',
    method: 'GET',
    url: '/findings?cursor=!!!not-a-cursor!!!',
    status: 400,
    field: 'query.cursor',
  },
  {
    name: 'cursor of valid base64 but wrong shape',
    method: 'GET',
    url: `/findings?cursor=${wrongShapeCursor}`,
    status: 400,
    field: 'query.cursor',
  },
  {
    name: 'cursor from another sort',
    method: 'GET',
    url: `/findings?cursor=${otherScopeCursor}`,
    status: 400,
    field: 'query.cursor',
  },
  {
    name: 'cursor whose id is not a UUID',
    method: 'GET',
    url: `/findings?cursor=${cursorOf(Date.now(), "x' OR 1=1 --")}`,
    status: 400,
    field: 'query.cursor',
  },
  {
    name: 'cursor whose time is out of range',
    method: 'GET',
    url: `/findings?cursor=${cursorOf(1e300, '0190f0d2-0000-7000-8000-000000000000')}`,
    status: 400,
    field: 'query.cursor',
  },
  {
    name: 'cursor far too long',
    method: 'GET',
    url: `/findings?cursor=${'A'.repeat(2000)}`,
    status: 400,
    field: 'query.cursor',
  },
  {
    name: 'id not a UUID',
    method: 'GET',
    url: '/findings/1%20OR%201=1',
    status: 400,
    field: 'params.id',
  },
  {
    name: 'snapshot id not a UUID',
    method: 'GET',
    url: '/snapshots/not-a-uuid/export',
    status: 400,
    field: 'params.id',
  },
  {
    name: 'unknown export format',
    method: 'GET',
    url: (i) => `/snapshots/${i.snapshot}/export?format=xml`,
    status: 400,
    field: 'query.format',
  },
  {
    name: 'diff without ids',
    method: 'GET',
    url: '/snapshots/diff',
    status: 400,
    field: 'query.from',
  },
  {
    name: 'body far too large',
    method: 'POST',
    url: '/staff/import',
    options: { body: [{ email: 'a@b.example', name: 'x'.repeat(2 * 1024 * 1024) }] },
    status: 413,
  },
  {
    name: 'unsupported content type',
    method: 'POST',
    url: '/staff/import',
    options: { rawBody: '<staff/>', headers: { 'content-type': 'application/xml' } },
    status: 415,
  },
  {
    name: 'JSON import that is not an array',
    method: 'POST',
    url: '/staff/import',
    options: { body: { email: 'a@b.example' } },
    status: 400,
    field: 'body',
  },
  {
    name: 'import row with a bad email',
    method: 'POST',
    url: '/staff/import',
    options: {
      body: [
        { email: 'a@b.example', name: 'A' },
        { email: 'not-an-email', name: 'X' },
      ],
    },
    status: 400,
    field: 'body.1.email',
  },
  {
    name: 'review decision unknown',
    method: 'PUT',
    url: (i) => `/reviews/${i.finding}/items/u-jack`,
    options: { body: { decision: 'delete-everything' } },
    status: 400,
    field: 'body.decision',
  },
  {
    name: 'link with both staff and non-human',
    method: 'PUT',
    url: '/links/u-jack',
    options: { body: { staffId: '0190f0d2-0000-7000-8000-000000000000', nonHuman: true } },
    status: 400,
    field: 'body.nonHuman',
  },
  {
    name: 'non-human link without a justification',
    method: 'PUT',
    url: '/links/u-jack',
    options: { body: { nonHuman: true } },
    status: 400,
    field: 'body.justification',
  },
  {
    name: 'link user id with SQL',
    method: 'PUT',
    url: "/links/x'%3B%20DROP%20TABLE%20account_link%3B--",
    options: { body: { nonHuman: true, justification: 'x' } },
    status: 400,
    field: 'params.userId',
  },
  {
    name: 'token that expired already',
    method: 'POST',
    url: '/tokens',
    options: { body: { name: 'late', role: 'viewer', expiresAt: '2020-01-01T00:00:00Z' } },
    status: 400,
    field: 'body.expiresAt',
  },
  {
    name: 'link to a staff member that does not exist',
    method: 'PUT',
    url: '/links/u-jack',
    options: { body: { staffId: '0190f0d2-0000-7000-8000-000000000000' } },
    status: 400,
    field: 'body.staffId',
  },
  {
    name: 'review of a tenant the connection has no snapshot of',
    method: 'POST',
    url: '/reviews',
    options: { body: { connection: 'finance/acme', tenantId: 'no-such-tenant', title: 'Q4' } },
    status: 400,
    field: 'body.tenantId',
    message: /^body\.tenantId: tenant no-such-tenant of finance\/acme has no snapshot yet: /,
  },
  {
    name: 'token with an unknown role',
    method: 'POST',
    url: '/tokens',
    options: { body: { name: 'x', role: 'root' } },
    status: 400,
    field: 'body.role',
  },
];

/** Strings that look like attacks are just data: the answer is a normal (empty) result, never 5xx. */
const injections = [
  "' OR '1'='1",
  '1; DROP TABLE finding; --',
  '<script>alert(1)</script>',
  '${jndi:ldap://x}',
  '../../../../etc/passwd',
  '%00',
  '\u0000',
  '{"$ne": null}',
];

describe.each(DIALECTS)(
  'bad input on $dialect → 4xx with a clear message, never 5xx',
  ({ dialect }) => {
    let h: Harness;
    let ids: Ids;
    beforeAll(async () => {
      h = await startHarness(dialect);
      const seeded = await seedAcme(h.model);
      const finding = (await h.model.db.findings.list()).items[0]!;
      ids = { finding: finding.id, snapshot: seeded.second.id };
    });
    afterAll(async () => h?.close());

    it.each(cases)('$name → $status', async (c) => {
      const url = typeof c.url === 'function' ? c.url(ids) : c.url;
      const response = await h.call(c.method, url, { token: h.tokens.admin, ...c.options });
      expect(response.statusCode, response.body).toBe(c.status);
      const body = response.json();
      expect(typeof body.message).toBe('string');
      expect(body.message.length).toBeGreaterThan(3);
      if (c.field) {
        expect(body.field).toBe(c.field);
        expect(body.message.startsWith(`${c.field}: `), body.message).toBe(true);
      }
      if (c.message) expect(body.message).toMatch(c.message);
    });

    it.each(injections)('filter values %j are treated as data', async (value) => {
      for (const param of ['subject', 'tenant', 'check']) {
        const response = await h.call('GET', `/findings?${param}=${encodeURIComponent(value)}`, {
          token: h.tokens.viewer,
        });
        expect(response.statusCode, `${param}=${value}: ${response.body}`).toBeLessThan(500);
        if (response.statusCode === 200) expect(response.json().items).toEqual([]);
      }
      const filter = encodeURIComponent(`userName eq "${value.replace(/"/g, '\\"')}"`);
      const scim = await h.call('GET', `/scim/v2/Users?filter=${filter}`, { token: h.tokens.scim });
      expect(scim.statusCode).toBeLessThan(500);
    });

    it('still has its data afterwards', async () => {
      expect(
        (await h.call('GET', '/findings', { token: h.tokens.viewer })).json().items,
      ).toHaveLength(3);
    });
  },
);

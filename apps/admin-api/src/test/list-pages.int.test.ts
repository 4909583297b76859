import { createTestNamespace, testKubeConfig } from '@xero-access/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeGateway } from '../kube/kube.js';
import { TENANT } from './fixtures.js';
import { DIALECTS, startHarness, type Harness } from './harness.js';
import { createXeroConnection } from './xero-connections.js';

type Role = 'viewer' | 'admin';

/** Follows nextCursor from the first page to the last; every page within the limit. */
async function walk<T>(h: Harness, url: string, role: Role, limit: number): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const query: string = `limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`;
    const response = await h.call('GET', `${url}?${query}`, { token: h.tokens[role] });
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json<{ items: T[]; nextCursor: string | null }>();
    expect(body.items.length).toBeLessThanOrEqual(limit);
    items.push(...body.items);
    cursor = body.nextCursor;
    pages++;
  } while (cursor);
  expect(pages).toBeGreaterThan(1);
  return items;
}

/** A bad cursor or limit is a 400 naming the parameter, as on GET /findings. */
async function expectBadPageInput(h: Harness, url: string, role: Role, foreignCursor: string) {
  for (const [query, field] of [
    ['cursor=not-a-cursor', 'query.cursor'],
    [`cursor=${foreignCursor}`, 'query.cursor'],
    // Longer than any listing's cursor (connections' carry a Kubernetes continue token).
    [`cursor=${'A'.repeat(3000)}`, 'query.cursor'],
    ['limit=0', 'query.limit'],
    ['limit=501', 'query.limit'],
    ['limit=ten', 'query.limit'],
  ] as const) {
    const response = await h.call('GET', `${url}?${query}`, { token: h.tokens[role] });
    expect(response.statusCode, `${url}?${query}`).toBe(400);
    expect(response.json()).toMatchObject({
      field,
      message: expect.stringMatching(new RegExp(`^${field.replace('.', '\\.')}: `)),
    });
  }
}

const findingsCursor = Buffer.from(
  JSON.stringify([
    'findings:firstSeenAt:desc',
    1_790_000_000_000,
    '0190f0d2-0000-7000-8000-000000000000',
  ]),
).toString('base64url');

describe.each(DIALECTS)('list pages on $dialect', ({ dialect }) => {
  let h: Harness;
  let namespace: string;
  beforeAll(async () => {
    const kc = testKubeConfig();
    namespace = await createTestNamespace(kc, 'api-pages');
    h = await startHarness(dialect, { kube: new KubeGateway(kc, [namespace]) });
  });
  afterAll(async () => h?.close());

  it('GET /connections pages the cluster and the database together by namespace then name', async () => {
    const kc = testKubeConfig();
    const spec = { authFlow: 'ClientCredentials', credentialsSecretRef: { name: 'xero-app' } };
    // In the cluster only, in both, and in the database only (deleted resources, other namespaces).
    for (const name of ['acme', 'acme-eu', 'acme.eu', 'payments'])
      await createXeroConnection(kc, namespace, name, spec);
    for (const [ns, name] of [
      [namespace, 'acme'],
      [namespace, 'acme.eu'],
      [namespace, 'acme2'],
      ['a-team', 'x'],
      ['a.team', 'x'],
      ['ateam', 'x'],
      ['zz', 'x'],
    ] as const)
      await h.model.db.connections.upsert({ namespace: ns, name }, { userCount: name.length });
    const expected = [
      ['a-team', 'x', false],
      ['a.team', 'x', false],
      [namespace, 'acme', true],
      [namespace, 'acme-eu', true],
      [namespace, 'acme.eu', true],
      [namespace, 'acme2', false],
      [namespace, 'payments', true],
      ['ateam', 'x', false],
      ['zz', 'x', false],
    ];
    const items = await walk<{
      namespace: string;
      name: string;
      resource: unknown;
      userCount: number | null;
    }>(h, '/connections', 'viewer', 3);
    expect(items.map((c) => [c.namespace, c.name, c.resource !== null])).toEqual(expected);
    expect(items.find((c) => c.name === 'acme.eu')!.userCount).toBe(7);
    const first = (await h.call('GET', '/connections', { token: h.tokens.viewer })).json();
    expect(first).toMatchObject({ kubernetes: 'connected', nextCursor: null });
    expect(first.items).toHaveLength(expected.length);
    await expectBadPageInput(h, '/connections', 'viewer', findingsCursor);
  });

  it('GET /connections still lists a deleted connection, with when it was deleted', async () => {
    const ref = { namespace, name: 'retired' };
    await h.model.db.connections.upsert(ref, { userCount: 4 });
    await h.model.db.connections.markDeleted(ref, new Date('2026-11-05T10:00:00Z'));
    const response = await h.call('GET', '/connections?limit=500', { token: h.tokens.viewer });
    expect(response.statusCode, response.body).toBe(200);
    const items = response.json<{ items: Array<{ name: string }> }>().items;
    expect(items.find((c) => c.name === 'retired')).toMatchObject({
      namespace,
      resource: null,
      userCount: 4,
      deletedAt: '2026-11-05T10:00:00.000Z',
    });
  });

  it('GET /tokens pages by name: every token once, first page as before', async () => {
    for (const name of ['ops', 'ci.deploy', 'ci-deploy', 'ci2', 'backup', 'z', 'grafana'])
      await h.model.db.tokens.create({ name, role: 'viewer' });
    const names = (await walk<{ name: string }>(h, '/tokens', 'admin', 3)).map((t) => t.name);
    const expected = (await h.model.db.tokens.list({ limit: 500 })).items.map((t) => t.name);
    expect(expected).toHaveLength(11);
    expect(names).toEqual(expected);
    expect(new Set(names).size).toBe(11);
    const first = (await h.call('GET', '/tokens', { token: h.tokens.admin })).json();
    expect(first.items.map((t: { name: string }) => t.name)).toEqual(expected);
    expect(first.nextCursor).toBeNull();
    await expectBadPageInput(h, '/tokens', 'admin', findingsCursor);
  });

  it('GET /findings/{id}/history pages oldest first: every event once', async () => {
    const jack = {
      check: 'user-identified',
      severity: 'medium' as const,
      subject: { kind: 'user', id: 'u-jack' },
      message: 'Jack is not in the staff directory',
    };
    const emma = { ...jack, subject: { kind: 'user', id: 'u-emma' }, message: 'Emma' };
    const connection = { namespace: 'finance', name: 'history' };
    // Jack's finding opens, then is resolved and reopened 5 times: 11 events. Emma's: 1.
    for (let i = 0; i <= 10; i++) {
      const s = await h.model.db.snapshots.record(
        connection,
        TENANT,
        [],
        new Date(Date.UTC(2026, 10, 1, i)),
      );
      await h.model.db.findings.apply(
        connection,
        s.id,
        i % 2 ? [emma] : [jack, emma],
        new Date(Date.UTC(2026, 10, 1, i)),
      );
    }
    const page = await h.model.db.findings.list({ connection }, { limit: 500 });
    const id = (subject: string) => page.items.find((f) => f.subject.id === subject)!.id;
    const url = `/findings/${id('u-jack')}/history`;
    const events = await walk<{ id: string; type: string; findingId: string }>(h, url, 'viewer', 4);
    const expected = await h.model.db.findings.history(id('u-jack'));
    expect(expected).toHaveLength(11);
    expect(events.map((e) => e.id)).toEqual(expected.map((e) => e.id));
    expect(new Set(events.map((e) => e.id)).size).toBe(11);
    expect(events.map((e) => e.type).slice(0, 3)).toEqual(['opened', 'resolved', 'reopened']);

    const emmaFirst = (
      await h.call('GET', `/findings/${id('u-emma')}/history`, { token: h.tokens.viewer })
    ).json();
    expect(emmaFirst).toMatchObject({ items: [{ type: 'opened' }], nextCursor: null });
    const jackCursor = (await h.call('GET', `${url}?limit=1`, { token: h.tokens.viewer })).json()
      .nextCursor;
    // A cursor from one finding's history is refused on another's.
    await expectBadPageInput(h, `/findings/${id('u-emma')}/history`, 'viewer', jackCursor);
    await expectBadPageInput(h, url, 'viewer', findingsCursor);
    const unknown = await h.call('GET', '/findings/0190f0d2-0000-7000-8000-000000000000/history', {
      token: h.tokens.viewer,
    });
    expect(unknown.statusCode).toBe(404);
  });
});

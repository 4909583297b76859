import { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import {
  compactTestEtcd,
  createTestNamespace,
  freePort,
  testKubeConfig,
  uniqueName,
} from '@xero-access/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LISTINGS_IN_FLIGHT } from '../connections/connection-page.js';
import { KubeGateway, XC, type XeroConnectionPage } from '../kube/kube.js';
import { DIALECTS, startHarness, type Harness } from './harness.js';
import { createXeroConnection } from './xero-connections.js';

interface ConnectionsPage {
  items: { namespace: string; name: string; resource: unknown }[];
  kubernetes: string;
  nextCursor: string | null;
}

const json = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const parse = (text: string) => JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));

describe.each(DIALECTS)(
  'GET /connections pages the cluster with limit and continue on $dialect',
  ({ dialect }) => {
    const kc = testKubeConfig();
    const api = kc.makeApiClient(CustomObjectsApi);
    let h: Harness;
    let namespace: string;
    const create = (name: string) =>
      createXeroConnection(kc, namespace, name, {
        authFlow: 'ClientCredentials',
        credentialsSecretRef: { name: 'xero-app' },
      });

    beforeAll(async () => {
      namespace = await createTestNamespace(kc, 'api-kube-pages');
      for (const name of ['c1', 'c2', 'c3', 'c4', 'c5']) await create(name);
      h = await startHarness(dialect, { kube: new KubeGateway(kc, [namespace]) });
      // Known to the database only (deleted from the cluster): listed between c2 and c3.
      await h.model.db.connections.upsert({ namespace, name: 'c2x' }, { userCount: 1 });
    });
    afterAll(async () => h?.close());

    const page = async (cursor: string | null, limit = 2) => {
      const response = await h.call('GET', '/connections', {
        token: h.tokens.viewer,
        query: { limit: String(limit), ...(cursor ? { cursor } : {}) },
      });
      return response;
    };
    /** The names on each page from `cursor` to the last. */
    async function walk(cursor: string | null, limit = 2): Promise<string[]> {
      const names: string[] = [];
      do {
        const response = await page(cursor, limit);
        expect(response.statusCode, response.body).toBe(200);
        const body = response.json<ConnectionsPage>();
        expect(body.kubernetes).toBe('connected');
        expect(body.items.length).toBeLessThanOrEqual(limit);
        names.push(...body.items.map((c) => c.name));
        cursor = body.nextCursor;
      } while (cursor);
      return names;
    }

    it('reads one snapshot of the cluster from the first page to the last, as kubectl does', async () => {
      const first = (await page(null)).json<ConnectionsPage>();
      expect(first.items.map((c) => [c.name, c.resource !== null])).toEqual([
        ['c1', true],
        ['c2', true],
      ]);
      // Changed once the walk has begun: its later pages come from the same list as its first
      // (the Kubernetes continue token in the cursor), so they show neither change.
      await create('c9');
      await api.deleteNamespacedCustomObject({ ...XC, namespace, name: 'c4' });
      expect(await walk(first.nextCursor)).toEqual(['c2x', 'c3', 'c4', 'c5']);
      // A new walk reads the cluster as it is now.
      expect(await walk(null)).toEqual(['c1', 'c2', 'c2x', 'c3', 'c5', 'c9']);
      expect(await walk(null, 1)).toEqual(['c1', 'c2', 'c2x', 'c3', 'c5', 'c9']);
      expect(await walk(null, 500)).toEqual(['c1', 'c2', 'c2x', 'c3', 'c5', 'c9']);
    });

    it('answers 410 naming the cursor when the continue token it carries has expired', async () => {
      const first = (await page(null, 1)).json<ConnectionsPage>();
      // The cursor is opaque to clients; here it is opened to age the Kubernetes token inside it.
      const [scope, ns, name, [listing, token]] = parse(first.nextCursor!);
      expect(typeof token).toBe('string');
      // A token from long ago: its revision is older than the API server's cache and compacted
      // in etcd, as every revision older than 5 minutes is on a running cluster.
      const aged = json({ ...parse(token), rv: 2 });
      await compactTestEtcd(3);
      const expired = await page(json([scope, ns, name, [listing, aged]]));
      expect(expired.statusCode, expired.body).toBe(410);
      expect(expired.json()).toEqual({
        statusCode: 410,
        error: 'Gone',
        field: 'query.cursor',
        message:
          'query.cursor: the Kubernetes listing this cursor continues has expired (the API server ' +
          'keeps a paged list for a few minutes); list again from the first page, without cursor',
      });

      const tampered = await page(json([scope, ns, name, [listing, 'not-a-continue-token']]));
      expect(tampered.statusCode, tampered.body).toBe(400);
      expect(tampered.json()).toMatchObject({ field: 'query.cursor' });
    });

    it('continues a cursor of the previous release, which held no continue token', async () => {
      expect(await walk(json(['connections', namespace, 'c2']))).toEqual(['c2x', 'c3', 'c5', 'c9']);
    });
  },
);

/**
 * The API server, answering each list in 50 to 100 ms (as one a few hops away does), counted: how
 * many lists a page made, how many were read at once, and the time they took added up.
 */
class CountedGateway extends KubeGateway {
  lists = 0;
  inFlight = 0;
  maxInFlight = 0;
  listedMs = 0;

  override async listConnectionsPage(
    namespace: string | null,
    limit: number,
    continueToken?: string,
  ): Promise<XeroConnectionPage> {
    this.lists += 1;
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    const started = Date.now();
    try {
      await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 50));
      return await super.listConnectionsPage(namespace, limit, continueToken);
    } finally {
      this.inFlight -= 1;
      this.listedMs += Date.now() - started;
    }
  }

  reset(): void {
    Object.assign(this, { lists: 0, maxInFlight: 0, listedMs: 0 });
  }
}

describe('GET /connections over many watched namespaces (one Kubernetes list each)', () => {
  const kc = testKubeConfig();
  const spec = { authFlow: 'ClientCredentials', credentialsSecretRef: { name: 'xero-app' } };
  const NAMESPACES = 32;
  let h: Harness;
  let gateway: CountedGateway;
  /** Every connection's key, in the order Kubernetes lists them; the cluster's alone. */
  let expected: string[];
  let cluster: string[];

  beforeAll(async () => {
    const namespaces: string[] = [];
    for (let i = 0; i < NAMESPACES; i += 1)
      namespaces.push(await createTestNamespace(kc, 'api-many'));
    // 0 to 3 XeroConnections each: lists that are empty, fit a page, or need continue.
    cluster = [];
    for (const [i, namespace] of namespaces.entries()) {
      for (let c = 0; c < i % 4; c += 1) {
        await createXeroConnection(kc, namespace, `c${c}`, spec);
        cluster.push(`${namespace}/c${c}`);
      }
    }
    gateway = new CountedGateway(kc, namespaces);
    h = await startHarness('sqlite', { kube: gateway });
    // Known to the database only, in every fifth namespace, between c0 and c1.
    const deleted = namespaces.filter((_, i) => i % 5 === 0).map((ns) => `${ns}/c0x`);
    for (const key of deleted) {
      const [namespace, name] = key.split('/') as [string, string];
      await h.model.db.connections.upsert({ namespace, name }, { userCount: 1 });
    }
    const byKubernetes = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    cluster.sort(byKubernetes);
    expected = [...cluster, ...deleted].sort(byKubernetes);
  });
  afterAll(async () => h?.close());

  /** The keys of each page from the first to the last, checking each page's cursor. */
  async function walk(limit: number): Promise<string[][]> {
    const pages: string[][] = [];
    let cursor: string | null = null;
    do {
      const response = await h.call('GET', '/connections', {
        token: h.tokens.viewer,
        query: { limit: String(limit), ...(cursor ? { cursor } : {}) },
      });
      expect(response.statusCode, response.body).toBe(200);
      const body = response.json<ConnectionsPage>();
      expect(body.kubernetes).toBe('connected');
      const keys = body.items.map((c) => `${c.namespace}/${c.name}`);
      pages.push(keys);
      cursor = body.nextCursor;
      if (!cursor) break;
      // The cursor names the page's last connection and the list the cluster resumes in: the one
      // of the next connection the cluster holds, from its start (no continue token) when that
      // connection is its first.
      const last = keys.at(-1)!;
      const [scope, namespace, name, resumes] = parse(cursor);
      expect([scope, `${namespace}/${name}`]).toEqual(['connections', last]);
      const next = cluster.find((key) => key > last);
      if (!next) expect(resumes).toBeNull();
      else {
        const [listing] = next.split('/');
        const firstOfItsList = cluster.find((key) => key.startsWith(`${listing}/`)) === next;
        expect(resumes).toEqual([listing, firstOfItsList ? null : expect.any(String)]);
      }
    } while (cursor);
    return pages;
  }

  it.each([1, 2, 5, 50])(
    'lists every connection once, in order, %i a page, with cursors that resume where it ended',
    async (limit) => {
      const pages = await walk(limit);
      expect(pages.flat()).toEqual(expected);
      expect(pages.slice(0, -1).every((keys) => keys.length === limit)).toBe(true);
    },
  );

  it(`reads up to ${LISTINGS_IN_FLIGHT} namespaces at once, not each in turn`, async () => {
    gateway.reset();
    const started = Date.now();
    expect(await walk(500)).toEqual([expected]);
    const tookMs = Date.now() - started;
    // Each namespace once: none read twice, none ahead of a page that needs no more.
    expect(gateway.lists).toBe(NAMESPACES);
    expect(gateway.maxInFlight).toBe(LISTINGS_IN_FLIGHT);
    // In turn the page would take as long as its lists added up.
    expect(tookMs).toBeLessThan(gateway.listedMs / 2);
  });
});

describe('GET /connections over every namespace', () => {
  const kc = testKubeConfig();
  let h: Harness;
  // One namespace's name begins another's: Kubernetes lists team-a/… before team/….
  const team = uniqueName('api-order');
  const teamA = `${team}-a`;
  beforeAll(async () => {
    for (const name of [team, teamA])
      await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name } } });
    const spec = { authFlow: 'ClientCredentials', credentialsSecretRef: { name: 'xero-app' } };
    await createXeroConnection(kc, team, 'x', spec);
    await createXeroConnection(kc, teamA, 'x', spec);
    h = await startHarness('sqlite', { kube: new KubeGateway(kc) });
    for (const [namespace, name] of [
      [team, 'w'],
      [teamA, 'y'],
      [team, 'x'],
    ] as const)
      await h.model.db.connections.upsert({ namespace, name }, { userCount: 1 });
  });
  afterAll(async () => h?.close());

  it('merges the database in the order Kubernetes lists the cluster: every connection once', async () => {
    const keys: string[] = [];
    let cursor: string | null = null;
    do {
      const response = await h.call('GET', '/connections', {
        token: h.tokens.viewer,
        query: { limit: '1', ...(cursor ? { cursor } : {}) },
      });
      expect(response.statusCode, response.body).toBe(200);
      const body = response.json<ConnectionsPage>();
      keys.push(...body.items.map((c) => `${c.namespace}/${c.name}`));
      cursor = body.nextCursor;
    } while (cursor);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.filter((k) => k.startsWith(`${team}`))).toEqual([
      `${teamA}/x`,
      `${teamA}/y`,
      `${team}/w`,
      `${team}/x`,
    ]);
  });
});

describe('GET /connections while the cluster does not answer', () => {
  let h: Harness;
  beforeAll(async () => {
    const kc = testKubeConfig();
    // The test cluster's credentials, sent to a port nothing listens on.
    const nowhere = new KubeConfig();
    const server = `https://127.0.0.1:${await freePort()}`;
    nowhere.loadFromOptions({
      clusters: kc.clusters.map((c) => ({ ...c, server })),
      users: kc.users,
      contexts: kc.contexts,
      currentContext: kc.currentContext,
    });
    h = await startHarness('sqlite', { kube: new KubeGateway(nowhere) });
    for (const name of ['a', 'b', 'c'])
      await h.model.db.connections.upsert({ namespace: 'finance', name }, { userCount: 1 });
  });
  afterAll(async () => h?.close());

  it("pages the database's connections alone, saying the cluster is unreachable", async () => {
    const names: string[] = [];
    let cursor: string | null = null;
    do {
      const response = await h.call('GET', '/connections', {
        token: h.tokens.viewer,
        query: { limit: '2', ...(cursor ? { cursor } : {}) },
      });
      expect(response.statusCode, response.body).toBe(200);
      const body = response.json<ConnectionsPage>();
      expect(body.kubernetes).toBe('unreachable (ECONNREFUSED)');
      names.push(...body.items.map((c) => c.name));
      cursor = body.nextCursor;
    } while (cursor);
    expect(names).toEqual(['a', 'b', 'c']);
  });
});

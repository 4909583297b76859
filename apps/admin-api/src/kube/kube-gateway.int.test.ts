import { createTestNamespace, testKubeConfig } from '@xero-access/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { createXeroConnection } from '../test/xero-connections.js';
import { KubeGateway, type XeroConnectionResource } from './kube.js';

describe('KubeGateway.listConnectionsPage', () => {
  const kc = testKubeConfig();
  let watched: string;
  let other: string;

  beforeAll(async () => {
    watched = await createTestNamespace(kc, 'api-watched');
    other = await createTestNamespace(kc, 'api-other');
    for (const namespace of [watched, other]) {
      for (const name of ['acme', 'acme-eu', 'beta'])
        await createXeroConnection(kc, namespace, name, {
          authFlow: 'ClientCredentials',
          credentialsSecretRef: { name: 'acme-xero-app' },
        });
    }
  });

  /** Every item of every listing, `limit` at a time; the number of pages read. */
  async function readAll(gateway: KubeGateway, limit: number) {
    const items: XeroConnectionResource[] = [];
    let pages = 0;
    for (const namespace of gateway.listings) {
      let token: string | undefined;
      do {
        const page = await gateway.listConnectionsPage(namespace, limit, token);
        expect(page.items.length).toBeLessThanOrEqual(limit);
        items.push(...page.items);
        token = page.continue ?? undefined;
        pages++;
      } while (token);
    }
    return { items, pages };
  }
  const ours = (items: XeroConnectionResource[]) =>
    items
      .map((c) => `${c.metadata.namespace}/${c.metadata.name}`)
      .filter((key) => key.startsWith(`${watched}/`) || key.startsWith(`${other}/`));

  it('lists every namespace when none are named, a page at a time in key order', async () => {
    const { items, pages } = await readAll(new KubeGateway(kc), 2);
    expect(pages).toBeGreaterThan(2);
    const keys = ours(items);
    expect(keys).toEqual(
      [other, watched].sort().flatMap((ns) => [`${ns}/acme`, `${ns}/acme-eu`, `${ns}/beta`]),
    );
  });

  // With watchNamespaces the chart grants Roles only there: a cluster-wide list would be refused.
  it('lists only the watched namespaces when they are named', async () => {
    const gateway = new KubeGateway(kc, [watched]);
    expect(gateway.listings).toEqual([watched]);
    const { items, pages } = await readAll(gateway, 2);
    expect(pages).toBe(2);
    expect(ours(items)).toEqual([`${watched}/acme`, `${watched}/acme-eu`, `${watched}/beta`]);
  });

  it('orders the watched namespaces as Kubernetes orders keys (team-a/… before team/…)', () => {
    expect(new KubeGateway(kc, ['team', 'team-a', 'b', 'team']).listings).toEqual([
      'b',
      'team-a',
      'team',
    ]);
    expect(new KubeGateway(kc).listings).toEqual([null]);
  });
});

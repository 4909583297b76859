import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import {
  XERO_CONNECTION_GROUP,
  XERO_CONNECTION_VERSION,
  type XeroConnection,
} from '@xero-access/crd';
import { createTestNamespace, testKubeConfig } from '@xero-access/testing';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../logging/logger.js';
import { coordinates, until } from '../test/harness.js';
import { ResourceWatcher, type ListPage, type WatchEventType } from './resource-watcher.js';
import { xeroConnectionsPath } from './xero-connection-watcher.js';

function connection(namespace: string, name: string): XeroConnection {
  return {
    apiVersion: `${XERO_CONNECTION_GROUP}/${XERO_CONNECTION_VERSION}`,
    kind: 'XeroConnection',
    metadata: { name, namespace },
    spec: { credentialsSecretRef: { name: 'creds' }, tokenSecretRef: { name: 'tokens' } },
  };
}

describe('ResourceWatcher against the real API server', () => {
  let kc: KubeConfig;
  let api: CustomObjectsApi;
  let namespace: string;
  let watcher: ResourceWatcher<XeroConnection> | undefined;

  beforeAll(async () => {
    kc = testKubeConfig();
    api = kc.makeApiClient(CustomObjectsApi);
    namespace = await createTestNamespace(kc, 'watch');
  });

  afterEach(async () => {
    await watcher?.stop();
    watcher = undefined;
  });

  const create = (name: string) =>
    api.createNamespacedCustomObject({
      ...coordinates,
      namespace,
      body: connection(namespace, name),
    });

  async function listPage(
    continueToken: string | undefined,
    limit: number,
  ): Promise<ListPage<XeroConnection>> {
    const page = (await api.listNamespacedCustomObject({
      ...coordinates,
      namespace,
      limit,
      _continue: continueToken,
    })) as {
      items: XeroConnection[];
      metadata: { resourceVersion: string; continue?: string };
    };
    return {
      items: page.items,
      resourceVersion: page.metadata.resourceVersion,
      continueToken: page.metadata.continue,
    };
  }

  it('lists in pages, then delivers watch events for creates, updates and deletes', async () => {
    await create('pre-1');
    await create('pre-2');
    await create('pre-3');
    const events: [WatchEventType, string][] = [];
    watcher = new ResourceWatcher<XeroConnection>({
      kubeConfig: kc,
      path: xeroConnectionsPath(namespace),
      list: listPage,
      pageSize: 2,
      logger: silentLogger,
      onEvent: (type, o) => events.push([type, o.metadata!.name!]),
    });
    watcher.start();
    await watcher.waitForSync();
    expect(
      events
        .filter(([t]) => t === 'ADDED')
        .map(([, n]) => n)
        .sort(),
    ).toEqual(['pre-1', 'pre-2', 'pre-3']);

    await create('live');
    await api.patchNamespacedCustomObject({
      ...coordinates,
      namespace,
      name: 'live',
      body: [{ op: 'replace', path: '/spec/syncInterval', value: '5m' }],
    });
    await api.deleteNamespacedCustomObject({ ...coordinates, namespace, name: 'pre-1' });
    await until(() => events.some(([t, n]) => t === 'DELETED' && n === 'pre-1'));
    expect(events).toContainEqual(['ADDED', 'live']);
    expect(events).toContainEqual(['MODIFIED', 'live']);
    expect(watcher.get(`${namespace}/live`)?.spec.syncInterval).toBe('5m');
    expect(watcher.get(`${namespace}/pre-1`)).toBeUndefined();
  });

  it('relists after 410 Gone and reports what changed meanwhile, deletions included', async () => {
    await create('gone-a');
    let lists = 0;
    const events: [WatchEventType, string][] = [];
    watcher = new ResourceWatcher<XeroConnection>({
      kubeConfig: kc,
      path: xeroConnectionsPath(namespace),
      // The first list is stale: it still shows an object deleted since, and a resourceVersion
      // the API server no longer keeps history for, so the watch from it answers 410 Gone.
      async list(continueToken, limit) {
        lists += 1;
        const page = await listPage(continueToken, limit);
        if (lists > 1) return page;
        const ghost = connection(namespace, 'ghost');
        ghost.metadata!.resourceVersion = '1';
        return { items: [...page.items, ghost], resourceVersion: '1' };
      },
      logger: silentLogger,
      onEvent: (type, o) => events.push([type, o.metadata!.name!]),
    });
    watcher.start();
    await until(() => watcher!.stats.gone >= 1 && lists >= 2);
    await until(() => events.some(([t, n]) => t === 'DELETED' && n === 'ghost'));
    expect(watcher.get(`${namespace}/ghost`)).toBeUndefined();
    expect(watcher.get(`${namespace}/gone-a`)).toBeDefined();

    await create('after-relist');
    await until(() => events.some(([t, n]) => t === 'ADDED' && n === 'after-relist'));
  });

  it('retries a failing list with exponential backoff until the API server answers', async () => {
    const backoff = { baseMs: 200, maxMs: 10_000, jitter: 0 };
    const attemptedAt: number[] = [];
    watcher = new ResourceWatcher<XeroConnection>({
      kubeConfig: kc,
      path: xeroConnectionsPath(namespace),
      async list(continueToken, limit) {
        attemptedAt.push(performance.now());
        if (attemptedAt.length <= 2)
          throw Object.assign(new Error('Too Many Requests'), { code: 429 });
        return listPage(continueToken, limit);
      },
      backoff,
      logger: silentLogger,
      onEvent: () => undefined,
    });
    watcher.start();
    await watcher.waitForSync();
    expect(attemptedAt).toHaveLength(3);
    expect(watcher.stats.failures).toBe(2);
    // Lower bounds only. Node's timers count whole milliseconds of the event loop's clock, so a
    // timer can fire up to 1 ms before its delay has passed by performance.now().
    const gaps = [attemptedAt[1]! - attemptedAt[0]!, attemptedAt[2]! - attemptedAt[1]!];
    expect(gaps[0]).toBeGreaterThanOrEqual(backoff.baseMs - 1);
    expect(gaps[1]).toBeGreaterThanOrEqual(2 * backoff.baseMs - 1);
  });

  it('replays the cache every resync period', async () => {
    const resyncs: number[] = [];
    watcher = new ResourceWatcher<XeroConnection>({
      kubeConfig: kc,
      path: xeroConnectionsPath(namespace),
      list: listPage,
      resyncMs: 200,
      logger: silentLogger,
      onEvent: () => undefined,
      onResync: (objects) => resyncs.push(objects.length),
    });
    watcher.start();
    await until(() => resyncs.length >= 2);
    expect(resyncs[0]).toBe(watcher.list().length);
    expect(resyncs[0]).toBeGreaterThan(0);
  });
});

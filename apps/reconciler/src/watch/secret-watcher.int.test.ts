import { CoreV1Api, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { createTestNamespace, testKubeConfig } from '@xero-access/testing';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SecretVersion } from '../kube/recent-secret-writes.js';
import { silentLogger } from '../logging/logger.js';
import { until } from '../test/harness.js';
import type { ResourceWatcher } from './resource-watcher.js';
import { createSecretWatcher } from './secret-watcher.js';

describe('Secret watch against the real API server (metadata only)', () => {
  let kc: KubeConfig;
  let core: CoreV1Api;
  let namespace: string;
  let watcher: ResourceWatcher<KubernetesObject> | undefined;

  beforeAll(async () => {
    kc = testKubeConfig();
    core = kc.makeApiClient(CoreV1Api);
    namespace = await createTestNamespace(kc, 'secrets');
  });

  afterEach(async () => {
    await watcher?.stop();
    watcher = undefined;
  });

  const create = (name: string, value: string) =>
    core.createNamespacedSecret({
      namespace,
      body: {
        metadata: {
          name,
          namespace,
          annotations: {
            'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify({
              stringData: { key: value },
            }),
          },
        },
        stringData: { key: value },
      },
    });

  it('lists an empty namespace (PartialObjectMetadataList with items: null)', async () => {
    const empty = await createTestNamespace(kc, 'nosecrets');
    watcher = createSecretWatcher({
      kubeConfig: kc,
      namespace: empty,
      logger: silentLogger,
      onChange: () => undefined,
    });
    watcher.start();
    await watcher.waitForSync();
    expect(watcher.stats.failures).toBe(0);
    expect(watcher.list()).toEqual([]);
  });

  it('reports creates and changes after the first list, never deletions, and holds no Secret data', async () => {
    await create('existing', 'before-the-list');
    const changes: SecretVersion[] = [];
    watcher = createSecretWatcher({
      kubeConfig: kc,
      namespace,
      logger: silentLogger,
      onChange: (secret) => changes.push(secret),
    });
    watcher.start();
    await watcher.waitForSync();
    expect(watcher.get(`${namespace}/existing`)).toBeDefined();

    const created = await create('fresh', 'v1');
    const replaced = await core.replaceNamespacedSecret({
      namespace,
      name: 'existing',
      body: { metadata: { name: 'existing', namespace }, stringData: { key: 'v2' } },
    });
    await core.deleteNamespacedSecret({ namespace, name: 'fresh' });
    await until(() => watcher!.get(`${namespace}/fresh`) === undefined && changes.length >= 2);
    await new Promise((r) => setTimeout(r, 300));
    expect(changes).toEqual([
      { namespace, name: 'fresh', resourceVersion: created.metadata!.resourceVersion },
      { namespace, name: 'existing', resourceVersion: replaced.metadata!.resourceVersion },
    ]);
    // Only the identity is kept: no data, no annotations (kubectl's last-applied one holds values).
    expect(watcher.get(`${namespace}/existing`)).toEqual({
      metadata: {
        name: 'existing',
        namespace,
        resourceVersion: replaced.metadata!.resourceVersion,
      },
    });
  });
});

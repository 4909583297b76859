import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { CoreV1Api, CustomObjectsApi, KubeConfig, Watch } from '@kubernetes/client-node';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { findTool, repoRoot } from './binaries.js';
import { readClusterState, startCluster, stopCluster } from './cluster.js';
import { defaultCrdFiles } from './defaults.js';
import { isAlive } from './processes.js';

const group = 'xeroaccess.dev';
const version = 'v1alpha1';
const plural = 'xeroconnections';

describe('local control plane', () => {
  const dir = join(repoRoot(), '.local', `cluster-int-test-${process.pid}`);
  afterAll(() => stopCluster(dir));

  it('starts etcd and kube-apiserver, installs the CRDs, and stops with no process left', async () => {
    const started = Date.now();
    const state = await startCluster({ dir, crdFiles: defaultCrdFiles() });
    const seconds = (Date.now() - started) / 1000;
    expect(seconds).toBeLessThan(60); // the 15 s start-up target is measured by bench/, not asserted here
    expect(readClusterState(dir)?.kubeconfig).toBe(state.kubeconfig);

    const kc = new KubeConfig();
    kc.loadFromFile(state.kubeconfig);
    const crds = execFileSync(
      findTool('kubectl'),
      ['--kubeconfig', state.kubeconfig, 'get', 'crd', '-o', 'name'],
      { encoding: 'utf8' },
    );
    expect(crds).toContain('xeroconnections.xeroaccess.dev');

    await stopCluster(dir);
    expect(isAlive(state.pids.apiserver)).toBe(false);
    expect(isAlive(state.pids.etcd)).toBe(false);
  });
});

describe('the provided control plane', () => {
  const kc = new KubeConfig();
  kc.loadFromFile(inject('kubeconfig'));

  it('lists namespaces with kubectl and the written kubeconfig', () => {
    const out = execFileSync(
      findTool('kubectl'),
      ['--kubeconfig', inject('kubeconfig'), 'get', 'namespaces', '-o', 'name'],
      {
        encoding: 'utf8',
      },
    );
    expect(out.split('\n')).toContain('namespace/default');
  });

  it('creates a XeroConnection, reads it back, and sees it in a watch', async () => {
    const namespace = `cluster-test-${randomBytes(4).toString('hex')}`;
    await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: namespace } } });
    const objects = kc.makeApiClient(CustomObjectsApi);
    const seen: string[] = [];
    const watch = new Watch(kc);
    const request = await watch.watch(
      `/apis/${group}/${version}/namespaces/${namespace}/${plural}`,
      {},
      (phase, obj: { metadata: { name: string } }) => seen.push(`${phase} ${obj.metadata.name}`),
      () => {},
    );
    try {
      await objects.createNamespacedCustomObject({
        group,
        version,
        plural,
        namespace,
        body: {
          apiVersion: `${group}/${version}`,
          kind: 'XeroConnection',
          metadata: { name: 'acme' },
          spec: {
            credentialsSecretRef: { name: 'acme-xero-app' },
            tokenSecretRef: { name: 'acme-xero-tokens' },
          },
        },
      });
      const read = (await objects.getNamespacedCustomObject({
        group,
        version,
        plural,
        namespace,
        name: 'acme',
      })) as {
        spec: { authFlow: string; syncInterval: string; criticalSystem: boolean; scopes: string[] };
      };
      expect(read.spec.authFlow).toBe('AuthorizationCode');
      expect(read.spec.syncInterval).toBe('1h');
      expect(read.spec.criticalSystem).toBe(true);
      expect(read.spec.scopes).toContain('offline_access');
      await expect.poll(() => seen, { timeout: 10_000 }).toContain('ADDED acme');
    } finally {
      request.abort();
    }
    expect(await kc.makeApiClient(CoreV1Api).readNamespace({ name: namespace })).toBeTruthy();
  });
});

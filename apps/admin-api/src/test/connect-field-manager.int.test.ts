import type { CoreV1Api } from '@kubernetes/client-node';
import type { Sandbox } from '@xero-access/xero-sandbox';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KubeGateway, loadKubeConfig } from '../kube/kube.js';
import { consent } from './connect-flow.js';
import { connectSetup, sandboxXero, type ConnectSetup } from './connect-setup.js';
import { startHarness, type Harness } from './harness.js';

describe('connect: the field manager the API server records for the admin API’s writes', () => {
  let sandbox: Sandbox;
  let core: CoreV1Api;
  let namespace: string;
  let setup: ConnectSetup;
  let h: Harness;

  beforeAll(async () => {
    setup = await connectSetup('api-connect-manager');
    ({ sandbox, core, namespace } = setup);
    // The KubeConfig as the app loads it (runtime.ts), not the test's own.
    const kc = loadKubeConfig(inject('kubeconfig'));
    if (!kc) throw new Error('the test control plane has no kubeconfig');
    h = await startHarness('sqlite', {
      kube: new KubeGateway(kc),
      config: { xero: sandboxXero(sandbox) },
    });
  });
  afterAll(async () => {
    await h?.close();
    await sandbox?.close();
  });

  it('is xero-access-admin-api for the token Secret it creates and writes the token set into', async () => {
    await setup.createConnection('acme', { tokenSecretRef: { name: 'acme-tokens' } });
    for (let round = 0; round < 2; round++) {
      const callback = await h.call(
        'GET',
        `/connect/callback${await consent(h, `${namespace}/acme`)}`,
      );
      expect(callback.statusCode, callback.body).toBe(200);
      const secret = await core.readNamespacedSecret({ namespace, name: 'acme-tokens' });
      expect(secret.metadata?.managedFields?.map((f) => f.manager)).toEqual([
        'xero-access-admin-api',
      ]);
    }
  });
});

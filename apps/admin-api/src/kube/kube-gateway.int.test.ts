import { CustomObjectsApi } from '@kubernetes/client-node';
import { createTestNamespace, testKubeConfig } from '@xero-access/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { KubeGateway, XC } from './kube.js';

describe('KubeGateway.listConnections', () => {
  const kc = testKubeConfig();
  let watched: string;
  let other: string;

  beforeAll(async () => {
    watched = await createTestNamespace(kc, 'api-watched');
    other = await createTestNamespace(kc, 'api-other');
    const custom = kc.makeApiClient(CustomObjectsApi);
    for (const namespace of [watched, other]) {
      await custom.createNamespacedCustomObject({
        ...XC,
        namespace,
        body: {
          apiVersion: `${XC.group}/${XC.version}`,
          kind: 'XeroConnection',
          metadata: { name: 'acme' },
          spec: { authFlow: 'ClientCredentials', credentialsSecretRef: { name: 'acme-xero-app' } },
        },
      });
    }
  });

  const namespacesOf = async (gateway: KubeGateway) =>
    (await gateway.listConnections())
      .map((c) => c.metadata.namespace)
      .filter((n) => n === watched || n === other)
      .sort();

  it('lists every namespace when none are named', async () => {
    expect(await namespacesOf(new KubeGateway(kc))).toEqual([other, watched].sort());
  });

  // With watchNamespaces the chart grants Roles only there: a cluster-wide list would be refused.
  it('lists only the watched namespaces, one namespaced call each, when they are named', async () => {
    expect(await namespacesOf(new KubeGateway(kc, [watched]))).toEqual([watched]);
  });
});

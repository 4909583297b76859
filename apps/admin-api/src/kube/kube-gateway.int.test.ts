import { createTestNamespace, testKubeConfig } from '@xero-access/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { createXeroConnection } from '../test/xero-connections.js';
import { KubeGateway } from './kube.js';

describe('KubeGateway.listConnections', () => {
  const kc = testKubeConfig();
  let watched: string;
  let other: string;

  beforeAll(async () => {
    watched = await createTestNamespace(kc, 'api-watched');
    other = await createTestNamespace(kc, 'api-other');
    for (const namespace of [watched, other]) {
      await createXeroConnection(kc, namespace, 'acme', {
        authFlow: 'ClientCredentials',
        credentialsSecretRef: { name: 'acme-xero-app' },
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
  it('lists only the watched namespaces when they are named', async () => {
    expect(await namespacesOf(new KubeGateway(kc, [watched]))).toEqual([watched]);
  });
});

import { EventsV1Api, type V1ManagedFieldsEntry } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { useTestBed } from '../test/test-bed.js';

const RECONCILER = 'xero-access-reconciler';

/** Who wrote what: `manager` (with the subresource, when not the object itself). */
const managers = (entries: V1ManagedFieldsEntry[] | undefined): string[] =>
  (entries ?? []).map((e) => `${e.manager}${e.subresource ? ` (${e.subresource})` : ''}`);

describe('the field manager the API server records for the reconciler’s writes', () => {
  const bed = useTestBed({ name: 'field-manager' });

  it('is xero-access-reconciler for the status, the finalizer, the rotated token Secret and Events', async () => {
    await bed.startReconciler();
    await bed.applyAuthorizationCodeConnection('acme');
    await bed.waitForReady('acme', 'True');

    // The test created the objects (its own client's manager); the reconciler wrote the rest.
    const connection = await bed.getConnection('acme');
    const written = managers(connection.metadata?.managedFields).filter((m) => m !== 'node-fetch');
    expect(written).toEqual(expect.arrayContaining([RECONCILER, `${RECONCILER} (status)`]));
    expect(written.every((m) => m.startsWith(RECONCILER))).toBe(true);

    const tokens = await bed.kube.core.readNamespacedSecret({
      namespace: bed.namespace,
      name: 'acme-tokens',
    });
    expect(managers(tokens.metadata?.managedFields)).toContain(RECONCILER);

    const events = await bed.kc
      .makeApiClient(EventsV1Api)
      .listNamespacedEvent({ namespace: bed.namespace, fieldSelector: 'regarding.name=acme' });
    expect(events.items.length).toBeGreaterThan(0);
    for (const event of events.items)
      expect(managers(event.metadata?.managedFields)).toEqual([RECONCILER]);
  });
});

import { CoreV1Api, EventsV1Api, type KubeConfig } from '@kubernetes/client-node';
import { XERO_CONNECTION_FINALIZER, type XeroConnection } from '@xero-access/crd';
import { DatabaseUnavailableError, createOrm, type ModelOrm } from '@xero-access/model';
import { createTestNamespace, freePort, testKubeConfig } from '@xero-access/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconcilerDatabase } from '../database/reconciler-database.js';
import { EventRecorder } from '../events/event-recorder.js';
import { XeroConnectionApi } from '../kube/xero-connection-api.js';
import { createLogger } from '../logging/logger.js';
import { ReconcilerMetrics } from '../metrics/metrics.js';
import { apis, coordinates, createConnection } from '../test/harness.js';
import type { ConnectionReconcilerDeps } from './connection-reconciler.js';
import { finalizeConnection } from './finalize.js';

/**
 * Deleting a XeroConnection while PostgreSQL refuses connections (nothing listens on the port):
 * the real API server keeps the object, the Event says why.
 */
describe('finalizeConnection while the database is not available', () => {
  let kc: KubeConfig;
  let namespace: string;
  let model: ModelOrm;
  let url: string;
  let api: XeroConnectionApi;
  beforeAll(async () => {
    kc = testKubeConfig();
    namespace = await createTestNamespace(kc, 'finalize');
    url = `postgres://xao:s3cret@127.0.0.1:${await freePort()}/xao`;
    model = await createOrm({ url });
    api = new XeroConnectionApi(kc);
  });
  afterAll(async () => {
    const left = await api?.get(namespace, 'leaving');
    if (left) await api.setFinalizers(left, []);
    await model?.close();
  });

  it('keeps the finalizer, reports DatabaseUnavailable as a Warning Event and a log line, and throws to be retried, before any revocation', async () => {
    await createConnection(apis(kc).custom, namespace, 'leaving', {
      credentialsSecretRef: { name: 'app' },
      tokenSecretRef: { name: 'tokens' },
      revokeGrantOnDelete: true,
    } as XeroConnection['spec']);
    await api.setFinalizers((await api.get(namespace, 'leaving'))!, [XERO_CONNECTION_FINALIZER]);
    await apis(kc).custom.deleteNamespacedCustomObject({
      ...coordinates,
      namespace,
      name: 'leaving',
    });
    const deleting = (await api.get(namespace, 'leaving'))!;
    expect(deleting.metadata?.deletionTimestamp).toBeDefined();

    const lines: Record<string, unknown>[] = [];
    const logger = createLogger('info', {
      write: (line: string) => void lines.push(JSON.parse(line)),
    });
    const metrics = new ReconcilerMetrics();
    // No Xero clients: the grant must not be revoked (nor RevokeFailed recorded, as the missing
    // credentials Secret would make it) until the deletion is in the database, or every retry
    // during the outage would revoke again.
    const deps = {
      api,
      core: kc.makeApiClient(CoreV1Api),
      db: model.db,
      events: new EventRecorder(kc, 'finalize-test', logger),
      metrics,
      logger,
      settings: { database: reconcilerDatabase(url), syncJitter: 0, offboardingGraceHours: 0 },
    } as unknown as ConnectionReconcilerDeps;

    const error = await finalizeConnection(deps, deleting).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseUnavailableError);
    const message = (error as Error).message;
    expect(message).toContain(
      `(PostgreSQL at 127.0.0.1:${new URL(url).port}, DATABASE_URL) is not available (ECONNREFUSED)`,
    );
    expect(message).toMatch(/keeps its finalizer until the database answers/);

    expect((await api.get(namespace, 'leaving'))?.metadata?.finalizers).toEqual([
      XERO_CONNECTION_FINALIZER,
    ]);
    const events = await kc.makeApiClient(EventsV1Api).listNamespacedEvent({ namespace });
    expect(events.items.map((e) => [e.type, e.reason, e.action, e.note])).toEqual([
      ['Warning', 'DatabaseUnavailable', 'Delete', message],
    ]);
    expect(lines).toContainEqual(
      expect.objectContaining({
        msg: 'finalizer waits for the database; retrying',
        connection: `${namespace}/leaving`,
        reason: 'DatabaseUnavailable',
        database: `PostgreSQL at 127.0.0.1:${new URL(url).port}`,
        kind: 'unreachable',
        cause: 'ECONNREFUSED',
      }),
    );
    expect(JSON.stringify(lines) + JSON.stringify(events.items)).not.toContain('s3cret');
    expect(await metrics.registry.getSingleMetricAsString('xao_reconcile_errors_total')).toContain(
      'reason="DatabaseUnavailable"} 1',
    );
  });
});

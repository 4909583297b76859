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
import { apis, coordinates, createConnection, until } from '../test/harness.js';
import { useTestBed } from '../test/test-bed.js';
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

describe('deleting a XeroConnection without revokeGrantOnDelete (the default)', () => {
  const bed = useTestBed({ name: 'finalize-secret' });
  beforeAll(() => bed.startReconciler());

  it('leaves its token Secret in place and says so in a Normal Event naming it', async () => {
    await bed.applyAuthorizationCodeConnection('acme');
    await bed.waitForReady('acme', 'True');
    const refreshToken = Buffer.from(
      (await bed.kube.core.readNamespacedSecret({ namespace: bed.namespace, name: 'acme-tokens' }))
        .data!.refresh_token!,
      'base64',
    ).toString();

    await bed.kube.custom.deleteNamespacedCustomObject({
      ...coordinates,
      namespace: bed.namespace,
      name: 'acme',
    });
    await until(
      () =>
        bed.getConnection('acme').then(
          () => false,
          () => true,
        ),
      30_000,
    );

    const secret = await bed.kube.core.readNamespacedSecret({
      namespace: bed.namespace,
      name: 'acme-tokens',
    });
    expect(secret.metadata?.deletionTimestamp).toBeUndefined();
    const events = await bed.kc.makeApiClient(EventsV1Api).listNamespacedEvent({
      namespace: bed.namespace,
      fieldSelector: 'regarding.name=acme',
    });
    const onDelete = events.items.filter((e) => e.action === 'Delete');
    expect(onDelete.map((e) => [e.type, e.reason, e.note])).toEqual([
      [
        'Normal',
        'TokenSecretKept',
        `Secret ${bed.namespace}/acme-tokens (spec.tokenSecretRef) is left in place: the operator ` +
          'never deletes the token Secret, so that a XeroConnection created again (e.g. by a GitOps ' +
          'tool) can use it. The grant was not revoked (spec.revokeGrantOnDelete is false): its ' +
          'refresh token still works in Xero, for up to 60 days unused, for anyone who can read the ' +
          'Secret. If no XeroConnection is to use it again, delete it ' +
          `(kubectl -n ${bed.namespace} delete secret acme-tokens), and disconnect the app from the ` +
          'organisations in Xero.',
      ],
    ]);
    expect(JSON.stringify(events.items)).not.toContain(refreshToken);
  });

  it('records no such Event for a connection whose token Secret was never created', async () => {
    await bed.createSecret('pending-app', { clientId: 'id', clientSecret: 'secret' });
    await bed.createConnection('pending', {
      credentialsSecretRef: { name: 'pending-app' },
      tokenSecretRef: { name: 'pending-tokens' },
    });
    await bed.waitForReady('pending', 'False', 'InvalidSpec');

    await bed.kube.custom.deleteNamespacedCustomObject({
      ...coordinates,
      namespace: bed.namespace,
      name: 'pending',
    });
    await until(
      () =>
        bed.getConnection('pending').then(
          () => false,
          () => true,
        ),
      30_000,
    );

    const events = await bed.kc.makeApiClient(EventsV1Api).listNamespacedEvent({
      namespace: bed.namespace,
      fieldSelector: 'regarding.name=pending',
    });
    expect(events.items.filter((e) => e.action === 'Delete')).toEqual([]);
  });
});

import { EventsV1Api, type KubeConfig } from '@kubernetes/client-node';
import { XERO_CONNECTION_FINALIZER, type XeroConnectionSpec } from '@xero-access/crd';
import type { ModelOrm } from '@xero-access/model';
import { createLimiterRedis, DEFAULT_SCOPES, silentLogger } from '@xero-access/xero-client';
import { createTestNamespace } from '@xero-access/testing';
import type { Seed } from '@xero-access/xero-sandbox';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { FencedError } from '../controller/fenced.js';
import { reconcilerDatabase } from '../database/reconciler-database.js';
import { EventRecorder } from '../events/event-recorder.js';
import { XeroConnectionApi } from '../kube/xero-connection-api.js';
import { createLogger } from '../logging/logger.js';
import { ReconcilerMetrics } from '../metrics/metrics.js';
import { findCondition } from '../status/conditions.js';
import {
  coordinates,
  createConnection,
  createSecret,
  until,
  waitForReady,
} from '../test/harness.js';
import { impersonateWithRole } from '../test/impersonation.js';
import { tappingProxy } from '../test/tapping-proxy.js';
import { type TestBed, useTestBed } from '../test/test-bed.js';
import { TokenManager } from '../token/token-manager.js';
import { readTokenSecret } from '../token/token-secret.js';
import { XeroClients } from '../xero/xero-clients.js';
import type { ConnectionReconcilerDeps } from './connection-reconciler.js';
import { finalizeConnection } from './finalize.js';

const REVOCATION_REASONS = ['GrantRevoked', 'NothingToRevoke', 'RevokeFailed', 'RevokeRefused'];

async function revocationEvents(bed: TestBed, name: string) {
  const list = await bed.kc.makeApiClient(EventsV1Api).listNamespacedEvent({
    namespace: bed.namespace,
    fieldSelector: `regarding.name=${name}`,
  });
  return list.items
    .filter((e) => REVOCATION_REASONS.includes(e.reason ?? ''))
    .map((e) => ({ type: e.type, reason: e.reason, action: e.action, note: e.note }));
}

/** What GET /connections answers for the grant behind this access token. */
async function connectionsOf(bed: TestBed, accessToken: string): Promise<unknown> {
  const response = await fetch(`${bed.sandbox.apiUrl}/connections`, {
    headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
  });
  expect(response.status).toBe(200);
  return response.json();
}

/** The access token the reconciler stored for the connection (the grant's, valid 30 minutes). */
async function storedAccessToken(bed: TestBed, name: string): Promise<string> {
  const { tokens } = await readTokenSecret(bed.kube.core, bed.namespace, `${name}-tokens`);
  return tokens.accessToken!;
}

async function deleteConnection(bed: TestBed, name: string): Promise<void> {
  await bed.kube.custom.deleteNamespacedCustomObject({
    ...coordinates,
    namespace: bed.namespace,
    name,
  });
}

const gone = (bed: TestBed, name: string) =>
  until(
    () =>
      bed.getConnection(name).then(
        () => false,
        () => true,
      ),
    30_000,
    200,
  );

const GRANTS = {
  revoked: ['Org one', 'Org two'],
  retried: ['Org retried'],
  shared: ['Acme Ltd', 'Payments Ltd'],
  unsynced: ['Org never synced'],
  emptied: ['Org emptied'],
  stale: ['Org stale token'],
} as const;
type Grant = keyof typeof GRANTS;

/** One grant per connection, so revoking one leaves the others alone. */
function seed(): Seed {
  return {
    tenants: Object.values(GRANTS)
      .flat()
      .map((org) => ({
        name: org,
        users: [
          { email: 'a@org.example', firstName: 'A', lastName: 'B', organisationRole: 'STANDARD' },
        ],
      })),
    apps: [{ name: 'Operator' }],
    grants: Object.values(GRANTS).map((tenants) => ({
      app: 'Operator',
      tenants: [...tenants],
      scopes: [...DEFAULT_SCOPES],
    })),
  } as Seed;
}

const tenantIdIn = (bed: TestBed, org: string): string =>
  bed.sandbox.tenants.find((t) => t.name === org)!.tenantId;

/** A XeroConnection with its own Secrets, pre-filled with the seeded grant's refresh token. */
async function createWithGrant(
  bed: TestBed,
  namespace: string,
  name: string,
  grant: Grant,
  spec: Partial<XeroConnectionSpec> = {},
): Promise<void> {
  const app = bed.sandbox.apps[0]!;
  const tenantId = tenantIdIn(bed, GRANTS[grant][0]);
  const seeded = bed.sandbox.grants.find((g) => g.tenantIds.includes(tenantId))!;
  await createSecret(bed.kube.core, namespace, `${name}-app`, {
    clientId: app.clientId,
    clientSecret: app.clientSecret,
  });
  await createSecret(bed.kube.core, namespace, `${name}-tokens`, {
    refresh_token: seeded.refreshToken!,
  });
  await createConnection(bed.kube.custom, namespace, name, {
    credentialsSecretRef: { name: `${name}-app` },
    tokenSecretRef: { name: `${name}-tokens` },
    revokeGrantOnDelete: true,
    ...spec,
  });
}

describe('spec.revokeGrantOnDelete: true (API server, sandbox, Redis, PostgreSQL)', () => {
  const bed = useTestBed({ name: 'revoke', sandbox: { seed: seed() } });
  let model: ModelOrm;

  beforeAll(async () => {
    model = await bed.openModel();
    await bed.startReconciler();
  });

  const tenantIdOf = (org: string): string => tenantIdIn(bed, org);

  const create = (name: string, grant: Grant, spec: Partial<XeroConnectionSpec> = {}) =>
    createWithGrant(bed, bed.namespace, name, grant, spec);

  async function apply(name: Grant): Promise<string> {
    await create(name, name);
    const ready = await bed.waitForReady(name, 'True');
    expect(ready.status?.tenants?.map((t) => t.tenantName).sort()).toEqual([...GRANTS[name]]);
    const accessToken = await storedAccessToken(bed, name);
    expect(await connectionsOf(bed, accessToken)).toHaveLength(GRANTS[name].length);
    return accessToken;
  }

  it('disconnects every organisation of the grant, says so in a Normal Event, and keeps the evidence', async () => {
    const accessToken = await apply('revoked');

    await deleteConnection(bed, 'revoked');
    await gone(bed, 'revoked');

    expect(await connectionsOf(bed, accessToken)).toEqual([]);
    expect(await revocationEvents(bed, 'revoked')).toEqual([
      {
        type: 'Normal',
        reason: 'GrantRevoked',
        action: 'Delete',
        note: 'Disconnected 2 organisation(s) from the grant in Xero.',
      },
    ]);
    const { namespace } = bed;
    const record = (await model.db.connections.list({ namespace, includeDeleted: true })).find(
      (c) => c.name === 'revoked',
    );
    expect(record?.deletedAt).toBeInstanceOf(Date);
    const snapshots = await model.db.snapshots.list({ namespace, name: 'revoked' });
    expect(snapshots.items.map((s) => s.tenantName).sort()).toEqual([...GRANTS.revoked]);
    // Nobody is in the staff directory: each organisation's one user is unidentified.
    const open = await model.db.findings.openCounts({ namespace, name: 'revoked' });
    expect(open['user-identified']).toBe(2);
  });

  it('refreshes once when Xero refuses the stored access token (401), then revokes', async () => {
    const stale = await apply('stale');
    const grantId = bed.sandbox.grants.find((g) =>
      g.tenantIds.includes(tenantIdOf(GRANTS.stale[0])),
    )!.grantId;
    // Revoked early at Xero: the Secret still says it is valid for half an hour.
    expect(bed.sandbox.expireAccessTokens(grantId)).toBeGreaterThan(0);

    await deleteConnection(bed, 'stale');
    await gone(bed, 'stale');

    expect(await revocationEvents(bed, 'stale')).toEqual([
      {
        type: 'Normal',
        reason: 'GrantRevoked',
        action: 'Delete',
        note: 'Disconnected 1 organisation(s) from the grant in Xero.',
      },
    ]);
    const refreshed = await storedAccessToken(bed, 'stale');
    expect(refreshed).not.toBe(stale);
    expect(await connectionsOf(bed, refreshed)).toEqual([]);
  });

  it('keeps the finalizer while Xero answers 5xx, and revokes once Xero is back', async () => {
    const accessToken = await apply('retried');
    // Two calls' worth: the client retries each DELETE 4 times, then the reconcile fails.
    bed.sandbox.setFaults({ target: 'api', serverErrors: { count: 8, status: 503 } });

    await deleteConnection(bed, 'retried');
    await until(() => bed.sandbox.faults().serverErrors.count <= 4, 30_000);
    const waiting = await bed.getConnection('retried');
    // Read while Xero still fails: no DELETE has succeeded yet.
    expect(bed.sandbox.faults().serverErrors.count).toBeGreaterThan(0);
    expect(waiting.metadata?.deletionTimestamp).toBeDefined();
    expect(waiting.metadata?.finalizers).toContain(XERO_CONNECTION_FINALIZER);
    expect(await revocationEvents(bed, 'retried')).toEqual([]);

    await gone(bed, 'retried');
    expect(bed.sandbox.faults().serverErrors.count).toBe(0);
    expect(await connectionsOf(bed, accessToken)).toEqual([]);
    expect(await revocationEvents(bed, 'retried')).toEqual([
      {
        type: 'Normal',
        reason: 'GrantRevoked',
        action: 'Delete',
        note: 'Disconnected 1 organisation(s) from the grant in Xero.',
      },
    ]);
  });

  it('keeps an organisation another XeroConnection monitors too, and names it in the Event', async () => {
    // Authorized by the same person with the same app: both reach Payments Ltd through one connection.
    await create('acme', 'shared');
    await create('payments', 'shared', {
      tenantId: tenantIdOf('Payments Ltd'),
      revokeGrantOnDelete: false,
    });
    const acme = await bed.waitForReady('acme', 'True');
    const payments = await bed.waitForReady('payments', 'True');
    const shared = payments.status!.tenants![0]!.connectionId;
    expect(acme.status?.tenants?.map((t) => t.connectionId)).toContain(shared);
    const accessToken = await storedAccessToken(bed, 'payments');

    await deleteConnection(bed, 'acme');
    await gone(bed, 'acme');

    expect(await connectionsOf(bed, accessToken)).toEqual([
      expect.objectContaining({ id: shared, tenantName: 'Payments Ltd' }),
    ]);
    expect(await revocationEvents(bed, 'acme')).toEqual([
      {
        type: 'Normal',
        reason: 'GrantRevoked',
        action: 'Delete',
        note:
          'Disconnected 1 organisation(s) from the grant in Xero; kept 1 that other ' +
          `XeroConnections monitor too: Payments Ltd (${bed.namespace}/payments).`,
      },
    ]);
    const requested = await bed.requestSync('payments');
    await until(async () => {
      const c = await bed.getConnection('payments');
      return Date.parse(c.status?.lastSyncTime ?? '') >= Date.parse(requested);
    }, 30_000);
    const synced = await bed.getConnection('payments');
    expect(findCondition(synced.status?.conditions, 'Ready')).toMatchObject({ status: 'True' });
  });

  it('revokes what the grant reaches now, also for a connection that never synced', async () => {
    await create('unsynced', 'unsynced', { suspend: true });
    const suspended = await bed.waitForReady('unsynced', 'False', 'Suspended');
    expect(suspended.status?.tenants ?? []).toEqual([]);
    const accessToken = await storedAccessToken(bed, 'unsynced');
    expect(await connectionsOf(bed, accessToken)).toHaveLength(1);

    await deleteConnection(bed, 'unsynced');
    await gone(bed, 'unsynced');

    expect(await connectionsOf(bed, accessToken)).toEqual([]);
    expect(await revocationEvents(bed, 'unsynced')).toEqual([
      {
        type: 'Normal',
        reason: 'GrantRevoked',
        action: 'Delete',
        note: 'Disconnected 1 organisation(s) from the grant in Xero.',
      },
    ]);
  });

  it('says in a Warning, not GrantRevoked, that nothing was left to disconnect', async () => {
    await apply('emptied');
    // Disconnected in Xero after the last sync: status.tenants still names it.
    expect(bed.sandbox.disconnectTenant(tenantIdOf('Org emptied'))).toBe(1);

    await deleteConnection(bed, 'emptied');
    await gone(bed, 'emptied');

    expect(await revocationEvents(bed, 'emptied')).toEqual([
      {
        type: 'Warning',
        reason: 'NothingToRevoke',
        action: 'Delete',
        note:
          'Revoked nothing in Xero: GET /connections lists no organisation for the grant; ' +
          'Org emptied (status.tenants) already disconnected, by an earlier attempt or in Xero.',
      },
    ]);
  });
});

/**
 * The reconciler's parts, real ones, with Xero's API reached through `apiUrl`, and
 * XeroConnections read and written as `connectionsAs` allows.
 */
function finalizerDepsOf(
  bed: TestBed,
  model: ModelOrm,
  apiUrl: string,
  connectionsAs: KubeConfig,
): ConnectionReconcilerDeps {
  const redis = createLimiterRedis(inject('redisUrl'));
  bed.onStop(() => redis.disconnect());
  const logger = createLogger('silent');
  return {
    api: new XeroConnectionApi(connectionsAs),
    core: bed.kube.core,
    db: model.db,
    clients: new XeroClients({
      redis,
      keyPrefix: bed.env().REDIS_KEY_PREFIX!,
      endpoints: { identityUrl: bed.sandbox.identityUrl, apiUrl },
      limits: {},
      logger: silentLogger,
      refreshLockTtlMs: 10_000,
    }),
    tokens: new TokenManager({ core: bed.kube.core, refreshAheadMs: 60_000, logger }),
    events: new EventRecorder(bed.kc, 'finalizer-test', logger),
    metrics: new ReconcilerMetrics(),
    logger,
    settings: {
      database: reconcilerDatabase(bed.database.url),
      syncJitter: 0,
      offboardingGraceHours: 24,
    },
  } as Omit<ConnectionReconcilerDeps, 'evaluator'> as ConnectionReconcilerDeps;
}

describe('a revocation fenced while its DELETE is in flight', () => {
  const bed = useTestBed({ name: 'revoke-fenced' });

  const finalizerDeps = (model: ModelOrm, apiUrl: string) =>
    finalizerDepsOf(bed, model, apiUrl, bed.kc);

  it('writes no Event and keeps the finalizer; the next leader finds nothing left and says so', async () => {
    const model = await bed.openModel();
    const reconciler = await bed.startReconciler();
    await bed.applyAuthorizationCodeConnection('acme', { revokeGrantOnDelete: true });
    const ready = await bed.waitForReady('acme', 'True');
    const organisation = ready.status!.tenants![0]!.tenantName;
    const accessToken = await storedAccessToken(bed, 'acme');
    // From here this test does the leader's work: the operator stops reconciling.
    await reconciler.operator.stop();
    await deleteConnection(bed, 'acme');

    const fencing = new AbortController();
    const deletes: string[] = [];
    const xero = await tappingProxy(bed.sandbox.apiUrl, (request) => {
      if (request.method !== 'DELETE') return;
      deletes.push(request.url!);
      fencing.abort(new FencedError());
    });
    bed.onStop(() => xero.close());
    const deps = finalizerDeps(model, xero.url);

    const fenced = await finalizeConnection(deps, await bed.getConnection('acme'), fencing.signal)
      .then(() => 'finished')
      .catch((e: unknown) => e);
    expect(fenced).toBeInstanceOf(FencedError);
    expect(fenced).toBe(fencing.signal.reason);
    // The DELETE in flight went through; nothing was reported and the object stays.
    expect(deletes).toHaveLength(1);
    expect(await connectionsOf(bed, accessToken)).toEqual([]);
    expect(await revocationEvents(bed, 'acme')).toEqual([]);
    expect((await bed.getConnection('acme')).metadata?.finalizers).toEqual([
      XERO_CONNECTION_FINALIZER,
    ]);

    // The next leader (never fenced here) reads GET /connections again: nothing left to DELETE.
    await finalizeConnection(deps, await bed.getConnection('acme'));
    expect(deletes).toHaveLength(1);
    await gone(bed, 'acme');
    expect(await revocationEvents(bed, 'acme')).toEqual([
      {
        type: 'Warning',
        reason: 'NothingToRevoke',
        action: 'Delete',
        note:
          'Revoked nothing in Xero: GET /connections lists no organisation for the grant; ' +
          `${organisation} (status.tenants) already disconnected, by an earlier attempt or in Xero.`,
      },
    ]);
  });
});

describe('an organisation a XeroConnection of another release monitors too', () => {
  const bed = useTestBed({ name: 'revoke-releases', sandbox: { seed: seed() } });
  let releaseB: string;

  beforeAll(async () => {
    // Release A's reconciler watches the bed's namespace; release B's, its own namespace only.
    await bed.startReconciler();
    releaseB = await createTestNamespace(bed.kc, 'revoke-release-b');
    bed.spawnReconciler(
      bed.env({
        identity: 'release-b',
        extra: { WATCH_NAMESPACES: releaseB, LEADER_ELECTION_NAMESPACE: releaseB },
      }),
    );
  });

  it('stays connected when release A deletes its own connection to it with revokeGrantOnDelete', async () => {
    // Authorized by the same person with the same app: both reach Payments Ltd through one connection.
    await createWithGrant(bed, bed.namespace, 'acme', 'shared');
    await createWithGrant(bed, releaseB, 'payments', 'shared', {
      tenantId: tenantIdIn(bed, 'Payments Ltd'),
      revokeGrantOnDelete: false,
    });
    const acme = await bed.waitForReady('acme', 'True');
    const payments = await waitForReady(
      bed.kube.custom,
      releaseB,
      'payments',
      'True',
      undefined,
      60_000,
    );
    const shared = payments.status!.tenants![0]!.connectionId;
    expect(acme.status?.tenants?.map((t) => t.connectionId)).toContain(shared);

    await deleteConnection(bed, 'acme');
    await gone(bed, 'acme');

    const { tokens } = await readTokenSecret(bed.kube.core, releaseB, 'payments-tokens');
    expect(await connectionsOf(bed, tokens.accessToken!)).toEqual([
      expect.objectContaining({ id: shared, tenantName: 'Payments Ltd' }),
    ]);
    expect(await revocationEvents(bed, 'acme')).toEqual([
      {
        type: 'Normal',
        reason: 'GrantRevoked',
        action: 'Delete',
        note:
          'Disconnected 1 organisation(s) from the grant in Xero; kept 1 that other ' +
          `XeroConnections monitor too: Payments Ltd (${releaseB}/payments).`,
      },
    ]);
  });
});

describe('a reconciler that may not list XeroConnections in every namespace', () => {
  const bed = useTestBed({ name: 'revoke-narrow' });
  const user = 'narrow-reconciler';

  /** As the chart's Role in a watched namespace allows, without its cluster-wide read. */
  const namespacedOnly = (): Promise<KubeConfig> =>
    impersonateWithRole(bed.kc, bed.namespace, user, [
      {
        apiGroups: ['xeroaccess.dev'],
        resources: ['xeroconnections'],
        verbs: ['get', 'list', 'watch', 'patch'],
      },
    ]);

  it('revokes nothing, says why in a Warning, and lets the deletion finish', async () => {
    const model = await bed.openModel();
    const reconciler = await bed.startReconciler();
    await bed.applyAuthorizationCodeConnection('acme', { revokeGrantOnDelete: true });
    await bed.waitForReady('acme', 'True');
    const accessToken = await storedAccessToken(bed, 'acme');
    const connected = await connectionsOf(bed, accessToken);
    expect(connected).not.toEqual([]);
    // From here this test does the leader's work, with the narrower rights.
    await reconciler.operator.stop();
    await deleteConnection(bed, 'acme');

    const deps = finalizerDepsOf(bed, model, bed.sandbox.apiUrl, await namespacedOnly());
    await finalizeConnection(deps, await bed.getConnection('acme'));

    await gone(bed, 'acme');
    expect(await connectionsOf(bed, accessToken)).toEqual(connected);
    expect(await revocationEvents(bed, 'acme')).toEqual([
      {
        type: 'Warning',
        reason: 'RevokeRefused',
        action: 'Delete',
        note:
          'Revoked nothing in Xero: this reconciler may not list XeroConnections in every namespace ' +
          `(HTTP 403: xeroconnections.xeroaccess.dev is forbidden: User "${user}" cannot list resource ` +
          '"xeroconnections" in API group "xeroaccess.dev" at the cluster scope), so it cannot tell which ' +
          'organisations of the grant another XeroConnection (in a namespace another release watches) ' +
          'monitors too; the grant stays connected. Allow it get and list on xeroconnections ' +
          'cluster-wide (the Helm chart does), or disconnect in Xero yourself the organisations no ' +
          'other XeroConnection monitors.',
      },
    ]);
  });
});

describe('a XeroConnection changed while its grant is being revoked', () => {
  const bed = useTestBed({ name: 'revoke-changed' });

  it(
    'revokes once, with one GrantRevoked Event and no Warning, then removes the finalizer',
    { timeout: 120_000 },
    async () => {
      let deleting = false;
      const calls: string[] = [];
      const base = new URL(bed.sandbox.apiUrl).pathname;
      const xero = await tappingProxy(bed.sandbox.apiUrl, (request) => {
        const path = request.url!.slice(base.length);
        if (!deleting || !path.startsWith('/connections')) return;
        calls.push(`${request.method} ${path}`);
        if (request.method !== 'DELETE') return;
        // Its metadata changes while Xero disconnects the organisation (as an annotation, or the
        // garbage collector dropping foregroundDeletion, would): the object the finalizer was
        // read with is stale by the time its removal is sent.
        return bed.annotate('acme', { 'example.com/changed-while-revoking': 'true' });
      });
      bed.onStop(() => xero.close());
      await bed.startReconciler({ XERO_API_URL: xero.url });
      await bed.applyAuthorizationCodeConnection('acme', { revokeGrantOnDelete: true });
      await bed.waitForReady('acme', 'True');
      const accessToken = await storedAccessToken(bed, 'acme');

      deleting = true;
      await deleteConnection(bed, 'acme');
      await gone(bed, 'acme');

      // One revocation: GET /connections read once, the organisation disconnected once.
      expect(calls).toEqual([
        'GET /connections',
        expect.stringMatching(/^DELETE \/connections\/[\w-]+$/),
      ]);
      expect(await connectionsOf(bed, accessToken)).toEqual([]);
      const events = await bed.kc.makeApiClient(EventsV1Api).listNamespacedEvent({
        namespace: bed.namespace,
        fieldSelector: 'regarding.name=acme',
      });
      const onDelete = events.items.filter((e) => e.action === 'Delete');
      expect(onDelete.map((e) => [e.type, e.reason])).toEqual([
        ['Normal', 'GrantRevoked'],
        ['Normal', 'TokenSecretKept'],
      ]);
      expect(onDelete[1]!.note).toBe(
        `Secret ${bed.namespace}/acme-tokens (spec.tokenSecretRef) is left in place: the operator ` +
          'never deletes the token Secret, so that a XeroConnection created again (e.g. by a GitOps ' +
          'tool) can use it. The grant was revoked in Xero (GrantRevoked): its refresh token ' +
          'reaches no organisation any more. If no XeroConnection is to use it again, delete it ' +
          `(kubectl -n ${bed.namespace} delete secret acme-tokens).`,
      );
    },
  );
});

import { EventsV1Api } from '@kubernetes/client-node';
import type { ModelOrm } from '@xero-access/model';
import { DEFAULT_SCOPES } from '@xero-access/xero-client';
import type { Seed } from '@xero-access/xero-sandbox';
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { FencedError } from '../controller/fenced.js';
import { condition, until } from '../test/harness.js';
import { useTestBed, type TestBed } from '../test/test-bed.js';
import { sleep } from '../util/sleep.js';
import type { ConnectionReconciler } from './connection-reconciler.js';

/** One grant per scenario, each reaching two organisations, as a practice's grant reaches many. */
const SCENARIOS = ['forbidden', 'rate-limited', 'slow', 'retried'] as const;
type Scenario = (typeof SCENARIOS)[number];

function seed(scenarios: readonly string[] = SCENARIOS): Seed {
  const organisation = (name: string) => ({
    name,
    users: [
      { email: `a@${name}.example`, firstName: 'A', lastName: name, organisationRole: 'STANDARD' },
      { email: `b@${name}.example`, firstName: 'B', lastName: name, organisationRole: 'READONLY' },
    ],
  });
  return {
    tenants: scenarios.flatMap((s) => [organisation(`${s}-failing`), organisation(`${s}-healthy`)]),
    apps: [{ name: 'Operator' }],
    // The failing organisation first: fetched one after the other, it would hold up the healthy one.
    grants: scenarios.map((s) => ({
      app: 'Operator',
      tenants: [`${s}-failing`, `${s}-healthy`],
      scopes: [...DEFAULT_SCOPES],
    })),
  } as Seed;
}

const tenantOf = (bed: TestBed, name: string) => bed.sandbox.tenants.find((t) => t.name === name)!;

/** Accepted calls per organisation: GET Organisation, then GET Users (a 403 is not counted). */
const callsTo = (bed: TestBed, t: { tenantId: string }) =>
  bed.sandbox.stats().callsPerTenant[t.tenantId] ?? 0;

/** The scenario's XeroConnection, named after it, on the grant that reaches its two organisations. */
async function applyScenario(
  bed: TestBed,
  s: string,
  spec: { syncInterval?: string } = {},
): Promise<void> {
  const grant = bed.sandbox.grants.find((g) =>
    g.tenantIds.includes(tenantOf(bed, `${s}-healthy`).tenantId),
  )!;
  await bed.connectGrant(s, spec, grant);
}

describe('a grant with two organisations, one of which fails', () => {
  const bed = useTestBed({ name: 'partial', sandbox: { seed: seed() } });
  let model: ModelOrm;
  beforeAll(async () => {
    // No jitter: the regular sync of a 1m syncInterval comes a minute after the last.
    await bed.startReconciler({ SYNC_JITTER: '0' });
    model = await bed.openModel();
  });

  const tenant = (name: string) => tenantOf(bed, name);
  const ref = (s: Scenario) => ({ namespace: bed.namespace, name: s });
  const apply = (s: Scenario, spec: { syncInterval?: string } = {}) => applyScenario(bed, s, spec);

  async function openFindings(s: Scenario, tenantId: string): Promise<string[]> {
    const page = await model.db.findings.list({ connection: ref(s), tenantId, status: 'open' });
    return page.items.map((f) => f.check).sort();
  }

  it(
    'Users answering 403 for one: the other is recorded and evaluated, the status names the failed one; once fixed, Synced turns True',
    { timeout: 90_000 },
    async () => {
      const failing = tenant('forbidden-failing');
      const healthy = tenant('forbidden-healthy');
      bed.sandbox.setFaults({ forbidden: [{ tenantId: failing.tenantId, endpoint: 'Users' }] });

      await apply('forbidden');
      const c = await bed.waitForReady('forbidden', 'False', 'PartiallySynced');

      // The healthy organisation has its snapshot and findings; the failing one has none.
      // (A retry with backoff may have recorded another snapshot meanwhile.)
      const snapshot = await model.db.snapshots.latest(ref('forbidden'), healthy.tenantId);
      expect(snapshot?.sequence).toBeGreaterThanOrEqual(1);
      expect(snapshot?.activeUserCount).toBe(2);
      expect(await model.db.snapshots.latest(ref('forbidden'), failing.tenantId)).toBeNull();
      expect(await openFindings('forbidden', healthy.tenantId)).toEqual([
        'critical-system-access-configured',
        'user-identified',
        'user-identified',
      ]);
      expect(c.status?.openFindings).toBe(3);
      expect(Date.parse(c.status!.lastSyncTime!)).toBeLessThanOrEqual(snapshot!.takenAt.getTime());
      expect(c.status?.userCount).toBe(2);

      // The status names the failed organisation and why, and keeps monitoring both.
      const synced = condition(c, 'Synced')!;
      expect(synced).toMatchObject({ status: 'False', reason: 'PartiallySynced' });
      expect(synced.message).toContain('Synced 1 of 2 organisations');
      expect(synced.message).toContain(
        `forbidden-failing (tenant ${failing.tenantId}): InsufficientPermissions: Xero answered 403 Forbidden to GET Users`,
      );
      expect(condition(c, 'PoliciesEvaluated')).toMatchObject({
        status: 'True',
        reason: 'Evaluated',
      });
      expect(condition(c, 'Ready')?.message).toBe(synced.message);
      const [first, second] = c.status!.tenants!;
      expect(first).toMatchObject({ tenantId: healthy.tenantId, tenantName: 'forbidden-healthy' });
      expect(first).not.toHaveProperty('syncFailure');
      expect(second).toMatchObject({
        tenantId: failing.tenantId,
        tenantName: 'forbidden-failing',
        syncFailure: {
          reason: 'InsufficientPermissions',
          message: expect.stringContaining('403 Forbidden to GET Users') as unknown,
          since: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as unknown,
        },
      });
      // Still monitored: not reported as disconnected.
      expect(c.status?.disconnectedTenants ?? []).toEqual([]);
      const events = bed.kc.makeApiClient(EventsV1Api);
      let reasons: (string | undefined)[] = [];
      await until(async () => {
        const list = await events.listNamespacedEvent({
          namespace: bed.namespace,
          fieldSelector: 'regarding.name=forbidden',
        });
        reasons = list.items.map((e) => e.reason);
        return reasons.includes('PartiallySynced');
      });
      expect(reasons).not.toContain('TenantDisconnected');

      // Retried with backoff: once the organisation answers again, every one is synced.
      bed.sandbox.clearFaults();
      const fixed = await bed.waitForReady('forbidden', 'True', 'Ready', 30_000);
      expect(condition(fixed, 'Synced')).toMatchObject({ status: 'True', reason: 'Synced' });
      expect(fixed.status?.tenants?.map((t) => [t.tenantName, t.syncFailure])).toEqual([
        ['forbidden-failing', undefined],
        ['forbidden-healthy', undefined],
      ]);
      expect((await model.db.snapshots.latest(ref('forbidden'), failing.tenantId))?.sequence).toBe(
        1,
      );
      expect(await openFindings('forbidden', failing.tenantId)).toHaveLength(3);
      expect(fixed.status?.openFindings).toBe(6);
      expect(fixed.status?.userCount).toBe(4);
    },
  );

  it(
    'a rate-limited organisation: the other is recorded at once, and the sync retries when the limit ends',
    { timeout: 60_000 },
    async () => {
      const failing = tenant('rate-limited-failing');
      const healthy = tenant('rate-limited-healthy');
      // Past the sync's deadline: the organisation fails at once with RateLimited.
      bed.sandbox.forceRateLimit('day', 3_600, 3, failing.tenantId);
      await apply('rate-limited');
      const c = await bed.waitForReady('rate-limited', 'False', 'PartiallySynced');
      expect(
        (await model.db.snapshots.latest(ref('rate-limited'), healthy.tenantId))?.sequence,
      ).toBe(1);
      const failure = c.status!.tenants!.find((t) => t.tenantId === failing.tenantId)!.syncFailure!;
      expect(failure.reason).toBe('RateLimited');
      // Requeued for when the limit ends, not hammered with backoff meanwhile.
      const retryAt = Date.parse(/retrying automatically at (\S+?)\.?$/.exec(failure.message)![1]!);
      expect(Math.abs(Date.parse(c.status!.nextSyncTime!) - retryAt)).toBeLessThan(5_000);
    },
  );

  it(
    'an organisation waiting out a rate limit does not hold up the other one',
    { timeout: 60_000 },
    async () => {
      const failing = tenant('slow-failing');
      const healthy = tenant('slow-healthy');
      // Within the sync's deadline: the client waits the 8 s out for that organisation.
      bed.sandbox.forceRateLimit('minute', 8, 1, failing.tenantId);
      await apply('slow');
      await bed.waitForReady('slow', 'True', 'Ready', 40_000);
      const [waited, other] = await Promise.all([
        model.db.snapshots.latest(ref('slow'), failing.tenantId),
        model.db.snapshots.latest(ref('slow'), healthy.tenantId),
      ]);
      // Fetched one after the other, the healthy one would be taken after the wait.
      expect(waited!.takenAt.getTime() - other!.takenAt.getTime()).toBeGreaterThan(5_000);
      await until(async () => (await bed.getConnection('slow')).status?.userCount === 4);
    },
  );

  it(
    'retries fetch all but the organisations already synced until the regular sync, which fetches both',
    { timeout: 120_000 },
    async () => {
      const failing = tenant('retried-failing');
      const healthy = tenant('retried-healthy');
      const calls = (t: { tenantId: string }) => callsTo(bed, t);
      const sequence = async (t: { tenantId: string }) =>
        (await model.db.snapshots.latest(ref('retried'), t.tenantId))?.sequence ?? 0;
      bed.sandbox.setFaults({ forbidden: [{ tenantId: failing.tenantId, endpoint: 'Users' }] });

      await apply('retried', { syncInterval: '1m' });
      const partial = await bed.waitForReady('retried', 'False', 'PartiallySynced');
      const firstSync = partial.status!.lastSyncTime!;
      // The sync and two retries with backoff (2 s, 4 s) reached the failing organisation.
      await until(async () => calls(failing) >= 3, 20_000);
      const retrying = await bed.getConnection('retried');

      // The healthy organisation was fetched and recorded once; its status entry, findings and
      // evaluation stand, and it is not taken for disconnected.
      expect(calls(healthy)).toBe(2);
      expect(await sequence(healthy)).toBe(1);
      expect(await sequence(failing)).toBe(0);
      expect(await openFindings('retried', healthy.tenantId)).toHaveLength(3);
      expect(retrying.status?.lastSyncTime).toBe(firstSync);
      expect(retrying.status?.openFindings).toBe(3);
      expect(retrying.status?.userCount).toBe(2);
      expect(retrying.status?.disconnectedTenants ?? []).toEqual([]);
      expect(retrying.status?.tenants?.map((t) => [t.tenantName, t.syncFailure?.reason])).toEqual([
        ['retried-healthy', undefined],
        ['retried-failing', 'InsufficientPermissions'],
      ]);
      expect(condition(retrying, 'Synced')?.message).toContain('Synced 1 of 2 organisations');
      expect(condition(retrying, 'PoliciesEvaluated')).toMatchObject({ status: 'True' });
      const events = await bed.kc.makeApiClient(EventsV1Api).listNamespacedEvent({
        namespace: bed.namespace,
        fieldSelector: 'regarding.name=retried',
      });
      expect(events.items.map((e) => e.reason)).not.toContain('TenantDisconnected');

      // Recovered: the next retry syncs it alone, and Synced turns True.
      bed.sandbox.clearFaults();
      const fixed = await bed.waitForReady('retried', 'True', 'Ready', 30_000);
      expect(condition(fixed, 'Synced')).toMatchObject({ status: 'True', reason: 'Synced' });
      expect(await sequence(failing)).toBe(1);
      expect(await sequence(healthy)).toBe(1);
      expect(calls(healthy)).toBe(2);
      expect(fixed.status?.openFindings).toBe(6);
      expect(fixed.status?.userCount).toBe(4);
      // The regular sync stays where the first sync put it: a minute after it.
      expect(Date.parse(fixed.status!.nextSyncTime!) - Date.parse(firstSync)).toBeLessThan(62_000);

      // The regular sync fetches and records both.
      await until(
        async () => (await sequence(healthy)) === 2 && (await sequence(failing)) === 2,
        75_000,
      );
      expect(calls(healthy)).toBe(4);
      // The status is written after the snapshots: wait for it rather than read it once.
      await until(
        async () =>
          Date.parse((await bed.getConnection('retried')).status!.lastSyncTime!) >
          Date.parse(firstSync),
        10_000,
      );
    },
  );
});

/** Scenarios whose reconciles the test runs itself, one at a time. */
const BY_HAND = ['fenced', 'requested'] as const;
type ByHand = (typeof BY_HAND)[number];

/** Sessions of the test's database waiting for a lock. */
const WAITING_FOR_A_LOCK =
  "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'";

describe("a partial sync's retry, reconciled by hand", () => {
  const bed = useTestBed({ name: 'partial-by-hand', sandbox: { seed: seed(BY_HAND) } });
  let model: ModelOrm;
  let reconciler: ConnectionReconciler;
  beforeAll(async () => {
    reconciler = await bed.startManualReconciler({ SYNC_JITTER: '0' });
    model = await bed.openModel();
  });

  const tenant = (name: string) => tenantOf(bed, name);
  const calls = (t: { tenantId: string }) => callsTo(bed, t);
  const key = (s: ByHand) => `${bed.namespace}/${s}`;
  const sequence = async (s: ByHand, t: { tenantId: string }) =>
    (await model.db.snapshots.latest({ namespace: bed.namespace, name: s }, t.tenantId))
      ?.sequence ?? 0;

  it(
    'a reconcile fenced after the partial sync recorded its findings holds no retry: the next one fetches every organisation',
    { timeout: 60_000 },
    async () => {
      const failing = tenant('fenced-failing');
      const healthy = tenant('fenced-healthy');
      bed.sandbox.setFaults({ forbidden: [{ tenantId: failing.tenantId, endpoint: 'Users' }] });
      await applyScenario(bed, 'fenced');

      // The findings wait for this lock: the sync is past its last fencing check, and the
      // replica loses the Lease while it records them.
      const lock = new pg.Client({ connectionString: bed.database.url });
      await lock.connect();
      try {
        await lock.query('BEGIN');
        await lock.query('LOCK TABLE finding IN EXCLUSIVE MODE');
        const fencing = new AbortController();
        const fenced = reconciler.reconcile(key('fenced'), { fenced: fencing.signal }).then(
          () => 'finished',
          (error: unknown) => error,
        );
        await until(async () => (await lock.query(WAITING_FOR_A_LOCK)).rows[0].n > 0, 20_000);
        fencing.abort(new FencedError());
        await lock.query('COMMIT');
        expect(await fenced).toBeInstanceOf(FencedError);
      } finally {
        await lock.end();
      }
      expect(calls(healthy)).toBe(2);
      expect(await sequence('fenced', healthy)).toBe(1);
      expect((await bed.getConnection('fenced')).status?.lastSyncTime).toBeUndefined();

      // Leading again, on the same version of the object: no retry of the fenced sync (never
      // reported) keeps the healthy organisation back.
      await reconciler.reconcile(key('fenced'));
      expect(calls(healthy)).toBe(4);
      expect(await sequence('fenced', healthy)).toBe(2);
      const c = await bed.getConnection('fenced');
      expect(condition(c, 'Synced')).toMatchObject({ status: 'False', reason: 'PartiallySynced' });
      expect(condition(c, 'Synced')?.message).toContain('Synced 1 of 2 organisations');
    },
  );

  it(
    'a requested sync drops the retry held: a sync due before the regular one fetches every organisation',
    { timeout: 60_000 },
    async () => {
      const failing = tenant('requested-failing');
      const healthy = tenant('requested-healthy');
      const ref = { namespace: bed.namespace, name: 'requested' };
      bed.sandbox.setFaults({ forbidden: [{ tenantId: failing.tenantId, endpoint: 'Users' }] });
      await applyScenario(bed, 'requested', { syncInterval: '1h' });
      // Partial: its retries keep the healthy organisation back until the regular sync, in an hour.
      await reconciler.reconcile(key('requested'));
      expect(calls(healthy)).toBe(2);

      // A risk of the healthy organisation is accepted for a few seconds and the admin API asks
      // for a sync: it fetches both (the fault is gone) and is due again when the acceptance ends.
      const [finding] = (
        await model.db.findings.list({
          connection: ref,
          tenantId: healthy.tenantId,
          status: 'open',
        })
      ).items;
      const acceptedUntil = new Date(Date.now() + 4_000);
      await model.db.findings.acceptRisk(finding!.id, {
        reason: 'a contractor until today',
        by: 'alice@acme.test',
        until: acceptedUntil,
      });
      bed.sandbox.clearFaults();
      await bed.requestSync('requested');
      await reconciler.reconcile(key('requested'));
      expect(calls(healthy)).toBe(4);
      const synced = await bed.getConnection('requested');
      expect(condition(synced, 'Synced')).toMatchObject({ status: 'True', reason: 'Synced' });
      const next = Date.parse(synced.status!.nextSyncTime!);
      expect(next).toBeLessThan(acceptedUntil.getTime() + 5_000);

      // That sync retries nothing: the healthy organisation is fetched, and the finding whose
      // acceptance ended reopens.
      await sleep(Math.max(next - Date.now(), 0) + 100);
      await reconciler.reconcile(key('requested'));
      expect(calls(healthy)).toBe(6);
      expect(await sequence('requested', healthy)).toBe(3);
      expect((await model.db.findings.get(finding!.id))?.status).toBe('open');
    },
  );
});

import { EventsV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { redactWebhookTarget, type ModelOrm } from '@xero-access/model';
import { EXAMPLE_IDS } from '@xero-access/xero-sandbox';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunningReconciler } from '../app/bootstrap.js';
import { seedAcmeStaff } from '../test/acme-staff.js';
import { coordinates, eventually } from '../test/harness.js';
import { metricValue } from '../test/reconciler-process.js';
import { useTestBed } from '../test/test-bed.js';
import type { AcceptanceExpiry } from './acceptance-expiry.js';
import { ACCEPTANCE_EXPIRY } from './acceptance-expiry.module.js';

describe('accepted risks end on time for connections that are not synced any more', () => {
  const bed = useTestBed({ name: 'expiry' });
  let model: ModelOrm;
  let leader: RunningReconciler;

  beforeAll(async () => {
    model = await bed.openModel();
    await seedAcmeStaff(model);
    leader = await bed.startReconciler({
      ACCEPTANCE_EXPIRY_INTERVAL: '1s',
      // Deliveries are only recorded here: nothing listens, which the delivery log shows as retries.
      ALERT_WEBHOOK_URL: 'http://127.0.0.1:9/alerts',
      ALERT_WEBHOOK_SECRET: 'expiry-signing-secret-0123456789abcdef',
    });
  });

  /** Jack Taylor's user-identified finding on a Ready connection, accepted until `until`. */
  async function acceptJack(name: string, until: Date) {
    const ref = { namespace: bed.namespace, name };
    const page = await model.db.findings.list({
      connection: ref,
      check: 'user-identified',
      subjectId: EXAMPLE_IDS.users.jackTaylor,
    });
    const jack = page.items[0]!;
    await model.db.findings.acceptRisk(jack.id, {
      reason: 'contractor; contract ends shortly',
      by: 'alice@acme.test',
      until,
    });
    return jack.id;
  }

  const setSuspend = (name: string, suspend: boolean) =>
    bed.kube.custom.patchNamespacedCustomObject(
      { ...coordinates, namespace: bed.namespace, name, body: { spec: { suspend } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );

  it(
    'a suspended connection: the finding opens when the acceptance ends, with its history, alert, Event, status count and metric, and no sync',
    { timeout: 90_000 },
    async () => {
      await bed.applyAuthorizationCodeConnection('paused', { syncInterval: '1h' });
      await bed.waitForReady('paused', 'True');
      // Accepted for an hour, so it is still in force however long suspending takes.
      const id = await acceptJack('paused', new Date(Date.now() + 3_600_000));
      await setSuspend('paused', true);
      // Suspended, the status still follows the database: the acceptance takes Jack off the count.
      const suspended = await eventually(
        async () => {
          const c = await bed.getConnection('paused');
          return c.status?.findings?.['user-identified'] === 0 ? c : undefined;
        },
        20_000,
        'the suspended status to count the accepted finding out',
      );
      // Now accepted again, ending shortly: it must end while the connection stays suspended.
      const until = new Date(Date.now() + 5_000);
      await acceptJack('paused', until);

      const reopened = await eventually(
        async () => {
          const f = await model.db.findings.get(id);
          return f?.status === 'open' ? f : undefined;
        },
        30_000,
        'the finding to open when its acceptance ends',
      );
      expect(Date.now()).toBeGreaterThanOrEqual(until.getTime());
      expect(reopened.acceptedRisk).toBeNull();
      const history = await model.db.findings.history(id);
      expect(history.map((e) => e.type)).toEqual([
        'opened',
        'accepted',
        'accepted',
        'accepted-expired',
      ]);
      const expiry = history.at(-1)!;
      expect(expiry).toMatchObject({
        actor: null,
        snapshotId: null,
        note: expect.stringContaining('contractor; contract ends shortly'),
      });
      const deliveries = (await model.db.webhooks.list({ eventType: 'finding.accepted-expired' }))
        .items;
      expect(deliveries.filter((d) => d.eventId === expiry.id)).toHaveLength(1);

      const counted = await eventually(
        async () => {
          const c = await bed.getConnection('paused');
          return c.status?.findings?.['user-identified'] === 1 ? c : undefined;
        },
        15_000,
        'the status to count the reopened finding',
      );
      expect(counted.status?.openFindings).toBe((suspended.status?.openFindings ?? 0) + 1);
      expect(counted.status?.lastSyncTime).toBe(suspended.status?.lastSyncTime);
      expect(counted.status?.conditions?.find((c) => c.type === 'Ready')?.reason).toBe('Suspended');
      const metrics = await (await fetch(`${leader.url}/metrics`)).text();
      expect(
        metricValue(
          metrics,
          'xao_open_findings{',
          `namespace="${bed.namespace}",name="paused",check="user-identified"`,
        ),
      ).toBe(1);

      const events = bed.kc.makeApiClient(EventsV1Api);
      const notes = await eventually(async () => {
        const list = await events.listNamespacedEvent({
          namespace: bed.namespace,
          fieldSelector: 'regarding.name=paused',
        });
        const found = list.items
          .filter((e) => e.reason === 'FindingsOpened' && e.action === 'ExpireAcceptedRisk')
          .map((e) => e.note);
        return found.length > 0 ? found : undefined;
      }, 10_000);
      expect(notes).toEqual([
        `Accepted risk ended: 1 finding(s): user-identified user ${EXAMPLE_IDS.users.jackTaylor}.`,
      ]);
    },
  );

  it(
    'a deleted connection: its findings stay as evidence, and an acceptance of one still ends',
    { timeout: 90_000 },
    async () => {
      await bed.applyAuthorizationCodeConnection('gone', { syncInterval: '1h' });
      await bed.waitForReady('gone', 'True');
      // Accepted for an hour, so it is still in force however long the deletion takes.
      const id = await acceptJack('gone', new Date(Date.now() + 3_600_000));
      await bed.kube.custom.deleteNamespacedCustomObject({
        ...coordinates,
        namespace: bed.namespace,
        name: 'gone',
      });
      await eventually(
        async () =>
          bed.getConnection('gone').then(
            () => false,
            () => true,
          ),
        20_000,
        'the XeroConnection to be deleted',
      );
      expect((await model.db.findings.get(id))?.status).toBe('accepted');
      await model.db.findings.acceptRisk(id, {
        reason: 'contractor; contract ends shortly',
        by: 'alice@acme.test',
        until: new Date(Date.now() + 5_000),
      });
      await eventually(
        async () => (await model.db.findings.get(id))?.status === 'open',
        30_000,
        "the deleted connection's finding to open when its acceptance ends",
      );
      expect((await model.db.findings.history(id)).at(-1)?.type).toBe('accepted-expired');
    },
  );

  it(
    "a namespace no longer watched: the acceptance ends, alerting the global webhook only (the namespace's Secret is not read)",
    { timeout: 60_000 },
    async () => {
      const elsewhere = { namespace: `${bed.namespace}-unwatched`, name: 'old' };
      const tenant = { tenantId: 'tenant-old', tenantName: 'Old Org' };
      const snapshot = await model.db.snapshots.record(elsewhere, tenant, [], new Date());
      const applied = await model.db.findings.apply(elsewhere, snapshot.id, [
        {
          check: 'user-identified',
          severity: 'medium',
          subject: { kind: 'user', id: 'someone' },
          message: 'someone is not in the staff directory',
        },
      ]);
      const id = applied.transitions[0]!.finding.id;
      await model.db.findings.acceptRisk(id, {
        reason: 'legacy organisation',
        by: 'alice@acme.test',
        until: new Date(Date.now() + 2_000),
      });
      await eventually(
        async () => (await model.db.findings.get(id))?.status === 'open',
        20_000,
        'the finding to open when its acceptance ends',
      );
      const expiry = (await model.db.findings.history(id)).at(-1)!;
      expect(expiry.type).toBe('accepted-expired');
      const log = (await model.db.webhooks.list({ eventType: 'finding.accepted-expired' })).items;
      expect(log.filter((d) => d.eventId === expiry.id).map((d) => d.target)).toEqual([
        redactWebhookTarget('http://127.0.0.1:9/alerts'),
      ]);
    },
  );

  it(
    'only the leader sweeps: a standby leaves a lapsed acceptance alone',
    { timeout: 60_000 },
    async () => {
      // Ready, so the leader is leading before the standby starts.
      await bed.applyAuthorizationCodeConnection('swept', { syncInterval: '1h' });
      await bed.waitForReady('swept', 'True');
      const standby = await bed.startReconciler({
        POD_NAME: 'standby-replica',
        ACCEPTANCE_EXPIRY_INTERVAL: '1s',
      });
      expect(standby.operator.isLeader).toBe(false);
      const id = await acceptJack('swept', new Date(Date.now() + 3_600_000));
      // An hour on, for the standby: the acceptance has lapsed by then, but it is not the leader.
      const inAnHour = new Date(Date.now() + 3_600_000 + 1_000);
      const standbyExpiry = standby.app.get<AcceptanceExpiry>(ACCEPTANCE_EXPIRY);
      expect(await standbyExpiry.sweep(inAnHour)).toBeUndefined();
      expect((await model.db.findings.get(id))?.status).toBe('accepted');
      const leaderExpiry = leader.app.get<AcceptanceExpiry>(ACCEPTANCE_EXPIRY);
      const swept = await leaderExpiry.sweep(inAnHour);
      expect(swept?.expired.flatMap((e) => e.transitions.map((t) => t.finding.id))).toEqual([id]);
    },
  );
});

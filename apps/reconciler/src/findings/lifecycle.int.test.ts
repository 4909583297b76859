import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ModelOrm } from '@xero-access/model';
import { EXAMPLE_IDS } from '@xero-access/xero-sandbox';
import { beforeAll, describe, expect, it } from 'vitest';
import { verifySignature } from '../alerts/webhook-signature.js';
import { seedAcmeStaff } from '../test/acme-staff.js';
import { eventually } from '../test/harness.js';
import { useTestBed } from '../test/test-bed.js';

interface Delivery {
  event: string;
  deliveryId: string;
  body: { type: string; finding: { check: string; subject: { id: string }; status: string } };
  verified: boolean;
}

const WEBHOOK_SECRET = 'lifecycle-signing-secret-0123456789abcdef';

describe('findings follow the organisation from one scheduled sync to the next', () => {
  const bed = useTestBed({ name: 'life' });
  let model: ModelOrm;
  let receiver: Server;
  const deliveries: Delivery[] = [];
  let failNext = 1;
  let refusedDeliveryId: string | undefined;

  beforeAll(async () => {
    model = await bed.openModel();
    await seedAcmeStaff(model);

    // The alert receiver: verifies each signature; fails the first delivery to prove the retry.
    receiver = createServer((req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString()));
      req.on('end', () => {
        const deliveryId = String(req.headers['x-xao-delivery']);
        if (failNext > 0) {
          failNext -= 1;
          refusedDeliveryId = deliveryId;
          res.writeHead(503).end();
          return;
        }
        const verified = verifySignature(WEBHOOK_SECRET, {
          timestamp: String(req.headers['x-xao-timestamp']),
          deliveryId,
          event: String(req.headers['x-xao-event']),
          body: text,
          signature: String(req.headers['x-xao-signature']),
        });
        deliveries.push({
          event: String(req.headers['x-xao-event']),
          deliveryId,
          body: JSON.parse(text) as Delivery['body'],
          verified,
        });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    bed.onStop(() => receiver.close());
    const port = (receiver.address() as AddressInfo).port;

    await bed.startReconciler({
      SYNC_JITTER: '0.05',
      ALERT_WEBHOOK_URL: `http://127.0.0.1:${port}/alerts`,
      ALERT_WEBHOOK_SECRET: WEBHOOK_SECRET,
    });
  });

  it(
    'a leaver resolves their finding and a new unknown user opens one, at the next sync; alerts are signed and retried',
    { timeout: 150_000 },
    async () => {
      await bed.applyAuthorizationCodeConnection('acme', {
        syncInterval: '1m',
        accessControl: { roleMappings: [{ orgRole: 'accountant' }] },
      });
      const first = await bed.waitForReady('acme', 'True');
      expect(first.status?.findings).toMatchObject({
        'user-identified': 1,
        'offboarded-access-removed': 1,
      });
      await eventually(async () => deliveries.length >= 2 || undefined, 20_000, 'the first alerts');
      expect(deliveries.every((d) => d.verified)).toBe(true);
      expect(
        deliveries.map((d) => [d.event, d.body.finding.check, d.body.finding.subject.id]),
      ).toEqual(
        expect.arrayContaining([
          ['finding.opened', 'offboarded-access-removed', EXAMPLE_IDS.users.emmaBrown],
          ['finding.opened', 'user-identified', EXAMPLE_IDS.users.jackTaylor],
        ]),
      );
      // The receiver answers before the sender records the delivery, so the log may lag a moment.
      await eventually(
        async () => {
          const log = await model.db.webhooks.list({ eventType: 'finding.opened' });
          return log.items.some((d) => d.attempts >= 2 && d.status === 'delivered');
        },
        10_000,
        'a retried delivery recorded as delivered',
      );
      // The retry is the same delivery to the receiver: same id (its dedup key), signed anew.
      expect(deliveries.map((d) => d.deliveryId)).toContain(refusedDeliveryId);

      // Emma leaves Xero; a stranger joins. Nobody asks for a sync: the schedule does it.
      bed.sandbox.removeUser(EXAMPLE_IDS.acmeTenantId, EXAMPLE_IDS.users.emmaBrown);
      const stranger = bed.sandbox.addUser(EXAMPLE_IDS.acmeTenantId, {
        email: 'someone.new@personal.example',
        firstName: 'Some',
        lastName: 'One',
        organisationRole: 'STANDARD',
        isSubscriber: false,
      });
      const second = await eventually(
        async () => {
          const c = await bed.getConnection('acme');
          return c.status?.lastSyncTime !== first.status?.lastSyncTime ? c : undefined;
        },
        90_000,
        'the next scheduled sync',
      );
      const gap =
        Date.parse(second.status!.lastSyncTime!) - Date.parse(first.status!.lastSyncTime!);
      expect(gap).toBeGreaterThanOrEqual(60_000);
      expect(gap).toBeLessThan(66_000);
      expect(second.status?.findings).toMatchObject({
        'user-identified': 2,
        'offboarded-access-removed': 0,
      });

      const open = await model.db.findings.list({
        connection: { namespace: bed.namespace, name: 'acme' },
        status: 'open',
      });
      expect(open.items.map((f) => f.subject.id)).toContain(stranger.userId);
      await eventually(
        async () =>
          deliveries.some(
            (d) =>
              d.event === 'finding.resolved' &&
              d.body.finding.subject.id === EXAMPLE_IDS.users.emmaBrown,
          ) &&
          deliveries.some(
            (d) => d.event === 'finding.opened' && d.body.finding.subject.id === stranger.userId,
          ),
        20_000,
        'alerts for the leaver and the joiner',
      );
    },
  );

  it(
    'an accepted risk that ends before the next scheduled sync reopens when it ends, not hours later',
    { timeout: 90_000 },
    async () => {
      await bed.applyAuthorizationCodeConnection('risk', { syncInterval: '1h' });
      await bed.waitForReady('risk', 'True');
      const ref = { namespace: bed.namespace, name: 'risk' };
      const [unknown] = (
        await model.db.findings.list({ connection: ref, check: 'user-identified', status: 'open' })
      ).items;
      const until = new Date(Date.now() + 8_000);
      await model.db.findings.acceptRisk(unknown!.id, {
        reason: 'contractor; the contract ends today',
        by: 'alice@acme.test',
        until,
      });
      // The admin API asks for a sync after an acceptance; so does this test.
      const requested = await bed.requestSync('risk');
      const scheduled = await eventually(
        async () => {
          const c = await bed.getConnection('risk');
          return Date.parse(c.status?.lastSyncTime ?? '') >= Date.parse(requested) ? c : undefined;
        },
        20_000,
        'the requested sync',
      );
      // Next sync: just after the acceptance ends, not in an hour.
      const next = Date.parse(scheduled.status!.nextSyncTime!);
      expect(next).toBeGreaterThanOrEqual(until.getTime());
      expect(next).toBeLessThan(until.getTime() + 5_000);

      const reopened = await eventually(
        async () => {
          const f = await model.db.findings.get(unknown!.id);
          return f?.status === 'open' ? f : undefined;
        },
        30_000,
        'the finding to reopen when the acceptance ends',
      );
      expect(reopened.acceptedRisk).toBeNull();
      expect((await model.db.findings.history(unknown!.id)).at(-1)).toMatchObject({
        type: 'accepted-expired',
        note: expect.stringContaining('the contract ends today'),
      });
    },
  );
});

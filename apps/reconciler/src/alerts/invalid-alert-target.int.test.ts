import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventsV1Api } from '@kubernetes/client-node';
import type { ModelOrm, WebhookDeliveryRecord } from '@xero-access/model';
import { EXAMPLE_IDS } from '@xero-access/xero-sandbox';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunningReconciler } from '../app/bootstrap.js';
import { seedAcmeStaff } from '../test/acme-staff.js';
import { condition, eventually } from '../test/harness.js';
import { metricValue } from '../test/reconciler-process.js';
import { useTestBed } from '../test/test-bed.js';
import { NAMESPACE_ALERTS_SECRET, namespaceTargetLabel } from './alert-targets.js';

describe("a namespace's alerts Secret that cannot be used holds up no finding, expiry or alert", () => {
  const bed = useTestBed({ name: 'badalerts' });
  let model: ModelOrm;
  let leader: RunningReconciler;
  const received: { event: string; findingId: string }[] = [];
  const problem = () =>
    `Secret ${bed.namespace}/${NAMESPACE_ALERTS_SECRET} key url: is missing or empty`;

  beforeAll(async () => {
    model = await bed.openModel();
    await seedAcmeStaff(model);
    const receiver = createServer((req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString()));
      req.on('end', () => {
        const body = JSON.parse(text) as { finding: { id: string } };
        received.push({ event: String(req.headers['x-xao-event']), findingId: body.finding.id });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    bed.onStop(() => receiver.close());
    // Anyone who may create Secrets in the namespace could write this one: its url is empty.
    await bed.createSecret(NAMESPACE_ALERTS_SECRET, {
      url: '',
      secret: 'namespace-signing-secret-0123456789abcdef',
    });
    leader = await bed.startReconciler({
      ACCEPTANCE_EXPIRY_INTERVAL: '1s',
      ALERT_WEBHOOK_URL: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/alerts`,
      ALERT_WEBHOOK_SECRET: 'global-signing-secret-0123456789abcdef',
    });
  });

  /** The delivery log's rows of one event: the global target's and the undeliverable one. */
  async function deliveriesOf(eventId: string): Promise<WebhookDeliveryRecord[]> {
    const log = (await model.db.webhooks.list({}, { limit: 100 })).items;
    return log
      .filter((d) => d.eventId === eventId)
      .sort((a, b) => a.target.localeCompare(b.target));
  }

  it(
    'a sync applies its findings, says why on PoliciesEvaluated, in one Event and a metric, and records the alerts it could not send',
    { timeout: 90_000 },
    async () => {
      await bed.applyAuthorizationCodeConnection('acme', { syncInterval: '1h' });
      const ready = await bed.waitForReady('acme', 'True');
      expect(condition(ready, 'PoliciesEvaluated')).toMatchObject({
        status: 'True',
        reason: 'InvalidAlertTarget',
        message: expect.stringContaining(problem()),
      });
      expect(condition(ready, 'PoliciesEvaluated')?.message).toContain(
        'the global webhook still receives them',
      );
      const ref = { namespace: bed.namespace, name: 'acme' };
      const open = (await model.db.findings.list({ connection: ref, status: 'open' })).items;
      expect(open.map((f) => f.subject.id)).toContain(EXAMPLE_IDS.users.jackTaylor);

      const opened = (await model.db.findings.history(open[0]!.id))[0]!;
      expect((await deliveriesOf(opened.id)).map((d) => [d.target, d.status, d.lastError])).toEqual(
        [
          [
            expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/\[sha256:/),
            expect.any(String),
            null,
          ],
          [namespaceTargetLabel(bed.namespace), 'failed', problem()],
        ],
      );
      await eventually(
        async () => received.some((r) => r.findingId === open[0]!.id) || undefined,
        20_000,
        'the global webhook to receive the opened finding',
      );

      const metrics = await (await fetch(`${leader.url}/metrics`)).text();
      expect(
        metricValue(metrics, 'xao_alert_target_invalid{', `namespace="${bed.namespace}"`),
      ).toBe(1);
      const notes = await eventually(async () => {
        const list = await bed.kc.makeApiClient(EventsV1Api).listNamespacedEvent({
          namespace: bed.namespace,
          fieldSelector: 'regarding.name=acme',
        });
        const found = list.items.filter((e) => e.reason === 'InvalidAlertTarget');
        return found.length > 0 ? found.map((e) => [e.type, e.note]) : undefined;
      }, 10_000);
      expect(notes).toEqual([['Warning', expect.stringContaining(problem())]]);
    },
  );

  it(
    'an accepted risk of a connection no sync evaluates ends on time (accepted-expired), alerting the global webhook, recorded undeliverable for the namespace',
    { timeout: 60_000 },
    async () => {
      // A connection no sync evaluates (here: no XeroConnection at all): only the leader's sweep
      // can end its acceptance.
      const ref = { namespace: bed.namespace, name: 'ledger' };
      const tenant = { tenantId: 'tenant-ledger', tenantName: 'Ledger Org' };
      const snapshot = await model.db.snapshots.record(ref, tenant, [], new Date());
      const applied = await model.db.findings.apply(ref, snapshot.id, [
        {
          check: 'user-identified',
          severity: 'medium',
          subject: { kind: 'user', id: 'someone' },
          message: 'someone is not in the staff directory',
        },
      ]);
      const id = applied.transitions[0]!.finding.id;
      await model.db.findings.acceptRisk(id, {
        reason: 'contractor; contract ends shortly',
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
      expect((await deliveriesOf(expiry.id)).map((d) => [d.target, d.status, d.lastError])).toEqual(
        [
          [
            expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/\[sha256:/),
            expect.any(String),
            null,
          ],
          [namespaceTargetLabel(bed.namespace), 'failed', problem()],
        ],
      );
      await eventually(
        async () =>
          received.some((r) => r.event === 'finding.accepted-expired' && r.findingId === id) ||
          undefined,
        20_000,
        'the global webhook to receive the accepted-expired alert',
      );
    },
  );
});

import { describe, expect, it } from 'vitest';
import type { ReportedFinding } from '../findings/reported-finding.js';
import { testDrivers, useTestModel } from '../test/drivers.js';
import { acme, at, findingAlertsTo, tenant, users } from '../test/fixtures.js';
import { databaseWithClock, ManualClock } from '../test/manual-clock.js';
import type { Database } from './database.js';
import { redactWebhookTarget } from './webhooks.js';

const target = 'https://hooks.acme.test/xao';

/** critical-system-access-valid for user a, as the policy words it for a role. */
function invalidRole(role: string, severity: ReportedFinding['severity']): ReportedFinding {
  return {
    check: 'critical-system-access-valid',
    severity,
    subject: { kind: 'user', id: 'a' },
    message: `Xero user a (a@acme.test) holds ${role}, which org role accountant may not hold`,
    remediation: 'Change the Xero role or the role mapping',
  };
}

describe.each(testDrivers)('an accepted risk whose finding changes on $dialect', (driver) => {
  const t = useTestModel(driver);
  const clock = new ManualClock(at('2026-11-01T00:00:00Z'));
  let clocked: Database | undefined;
  const db = () => (clocked ??= databaseWithClock(t.model, clock));
  let id: string;
  let first: string;

  it('records what was accepted: the severity, the message and the snapshot', async () => {
    const s = await db().snapshots.record(acme, tenant, users(['a', 'STANDARD']), clock.now());
    first = s.id;
    const applied = await db().findings.apply(
      acme,
      s.id,
      [invalidRole('STANDARD', 'medium')],
      clock.now(),
    );
    id = applied.transitions[0]!.finding.id;
    clock.set(at('2026-11-01T01:00:00Z'));
    const accepted = await db().findings.acceptRisk(id, {
      reason: 'covers for a colleague',
      by: 'alice',
      until: at('2026-12-01T00:00:00Z'),
    });
    expect(accepted.event).toMatchObject({
      type: 'accepted',
      snapshotId: s.id,
      note:
        'covers for a colleague (until 2026-12-01T00:00:00.000Z; accepted as reported: medium, ' +
        '"Xero user a (a@acme.test) holds STANDARD, which org role accountant may not hold")',
    });
  });

  it('keeps the acceptance while the same finding is reported', async () => {
    clock.set(at('2026-11-02T00:00:00Z'));
    const s = await db().snapshots.record(acme, tenant, users(['a', 'STANDARD']), clock.now());
    const applied = await db().findings.apply(
      acme,
      s.id,
      [invalidRole('STANDARD', 'medium')],
      clock.now(),
    );
    expect(applied.transitions).toEqual([]);
    expect(await db().findings.get(id)).toMatchObject({ status: 'accepted', snapshotId: s.id });
  });

  it('ends the acceptance, with its event and alert, when the finding reported is another', async () => {
    // The user was given a more powerful role: what was accepted is not what is reported now.
    clock.set(at('2026-11-03T00:00:00Z'));
    const s = await db().snapshots.record(
      acme,
      tenant,
      users(['a', 'FINANCIALADVISER']),
      clock.now(),
    );
    clock.set(at('2026-11-03T00:05:00Z'));
    const applied = await db().findings.apply(
      acme,
      s.id,
      [invalidRole('FINANCIALADVISER', 'high')],
      at('2026-11-03T00:00:00Z'),
      findingAlertsTo(target),
    );
    expect(applied.transitions.map((x) => [x.type, x.finding.id, x.finding.status])).toEqual([
      ['accepted-expired', id, 'open'],
    ]);
    expect(applied.openByCheck).toEqual({ 'critical-system-access-valid': 1 });
    expect(await db().findings.get(id)).toMatchObject({
      status: 'open',
      severity: 'high',
      message: expect.stringContaining('holds FINANCIALADVISER'),
      acceptedRisk: null,
      updatedAt: at('2026-11-03T00:05:00Z'),
    });
    const history = await db().findings.history(id);
    expect(history.map((e) => [e.type, e.fromStatus, e.toStatus])).toEqual([
      ['opened', null, 'open'],
      ['accepted', 'open', 'accepted'],
      ['accepted-expired', 'accepted', 'open'],
    ]);
    expect(history.at(-1)).toMatchObject({
      actor: null,
      snapshotId: s.id,
      at: at('2026-11-03T00:05:00Z'),
      note:
        'accepted risk no longer covers the finding: it changed since it was accepted ' +
        '(severity medium → high; message was "Xero user a (a@acme.test) holds STANDARD, which ' +
        'org role accountant may not hold") (accepted by alice: covers for a colleague, until ' +
        '2026-12-01T00:00:00.000Z)',
    });
    expect(history[1]?.snapshotId).toBe(first);
    // In the changes feed, and alerted as an expiry is.
    const feed = await db().findings.changes({ connection: acme });
    expect(feed.items.at(-1)).toMatchObject({ type: 'accepted-expired', findingId: id });
    const log = (await db().webhooks.list({ eventType: 'finding.accepted-expired' })).items;
    expect(log.map((d) => [d.eventId, d.target])).toEqual([
      [applied.transitions[0]!.eventId, redactWebhookTarget(target)],
    ]);
  });

  it('ends it for a changed message alone, and for a changed severity alone', async () => {
    const accept = () =>
      db().findings.acceptRisk(id, { reason: 'approved by the CFO', by: 'alice' });
    const evaluate = async (r: ReportedFinding) => {
      const s = await db().snapshots.record(
        acme,
        tenant,
        users(['a', 'FINANCIALADVISER']),
        clock.now(),
      );
      return (await db().findings.apply(acme, s.id, [r], clock.now())).transitions.map(
        (x) => x.type,
      );
    };
    clock.set(at('2026-11-04T00:00:00Z'));
    await accept();
    clock.set(at('2026-11-05T00:00:00Z'));
    expect(await evaluate(invalidRole('FINANCIALADVISER', 'medium'))).toEqual(['accepted-expired']);
    clock.set(at('2026-11-06T00:00:00Z'));
    await accept();
    clock.set(at('2026-11-07T00:00:00Z'));
    expect(
      await evaluate({ ...invalidRole('FINANCIALADVISER', 'medium'), message: 'reworded' }),
    ).toEqual(['accepted-expired']);
    expect((await db().findings.history(id)).at(-1)?.note).toMatch(
      /^accepted risk no longer covers the finding: it changed since it was accepted \(message was "Xero user a .*"\)/,
    );
    // A changed remediation text alone leaves the acceptance as it is.
    clock.set(at('2026-11-08T00:00:00Z'));
    await accept();
    clock.set(at('2026-11-09T00:00:00Z'));
    expect(
      await evaluate({
        ...invalidRole('FINANCIALADVISER', 'medium'),
        message: 'reworded',
        remediation: 'Ask the Xero admin',
      }),
    ).toEqual([]);
    expect((await db().findings.get(id))?.status).toBe('accepted');
  });
});

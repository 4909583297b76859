import { describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError } from '../errors.js';
import type { FindingAlerts } from './findings.js';
import { testDrivers, useTestModel } from '../test/drivers.js';
import type { ReportedFinding } from '../findings/reported-finding.js';
import { acme, at, findingAlertsTo, tenant, unidentified, users } from '../test/fixtures.js';
import { databaseWithClock, ManualClock } from '../test/manual-clock.js';
import type { Database } from './database.js';
import { redactWebhookTarget } from './webhooks.js';

describe.each(testDrivers)('findings lifecycle on $dialect', (driver) => {
  const t = useTestModel(driver);
  const clock = new ManualClock(at('2026-11-01T00:00:00Z'));
  /** A valid expiry for an acceptance made now (within the maximum acceptance period). */
  const inAMonth = () => new Date(clock.now().getTime() + 30 * 86_400_000);
  let clocked: Database | undefined;
  const db = () => (clocked ??= databaseWithClock(t.model, clock));
  /** An evaluation made at `when` and written at once: stamped `when`. */
  const applyAt = (snapshotId: string, reported: ReportedFinding[], when: string) => {
    clock.set(at(when));
    return db().findings.apply(acme, snapshotId, reported, at(when));
  };
  const snap = (when: string) =>
    db().snapshots.record(acme, tenant, users(['a', 'STANDARD'], ['b', 'STANDARD']), at(when));
  const summary = (r: { transitions: { type: string; finding: { subject: { id: string } } }[] }) =>
    r.transitions.map((x) => `${x.type}:${x.finding.subject.id}`).sort();

  it('opens new findings and reports them as transitions with the evidencing snapshot', async () => {
    const s = await snap('2026-11-01T00:00:00Z');
    const result = await applyAt(
      s.id,
      [unidentified('a'), unidentified('b', 'high')],
      '2026-11-01T00:00:01Z',
    );
    expect(summary(result)).toEqual(['opened:a', 'opened:b']);
    expect(result.openByCheck).toEqual({ 'user-identified': 2 });
    expect(result.nextAcceptanceExpiry).toBeNull();
    const b = result.transitions.find((x) => x.finding.subject.id === 'b')!.finding;
    expect(b).toMatchObject({
      status: 'open',
      severity: 'high',
      snapshotId: s.id,
      tenantId: tenant.tenantId,
      connection: acme,
      firstSeenAt: at('2026-11-01T00:00:01Z'),
    });
  });

  it('is quiet when the same findings are reported again, but refreshes lastSeenAt and evidence', async () => {
    const s = await snap('2026-11-01T01:00:00Z');
    const result = await applyAt(
      s.id,
      [unidentified('a'), unidentified('b', 'high')],
      '2026-11-01T01:00:01Z',
    );
    expect(result.transitions).toEqual([]);
    const page = await db().findings.list({ connection: acme, subjectId: 'a' });
    expect(page.items[0]).toMatchObject({
      lastSeenAt: at('2026-11-01T01:00:01Z'),
      firstSeenAt: at('2026-11-01T00:00:01Z'),
      snapshotId: s.id,
    });
  });

  it('resolves findings no longer reported and reopens them when they recur', async () => {
    const s1 = await snap('2026-11-01T02:00:00Z');
    expect(
      summary(await applyAt(s1.id, [unidentified('b', 'high')], '2026-11-01T02:00:01Z')),
    ).toEqual(['resolved:a']);
    const s2 = await snap('2026-11-01T03:00:00Z');
    const back = await applyAt(
      s2.id,
      [unidentified('a'), unidentified('b', 'high')],
      '2026-11-01T03:00:01Z',
    );
    expect(summary(back)).toEqual(['reopened:a']);
    const a = back.transitions[0]!.finding;
    expect(a).toMatchObject({ status: 'open', resolvedAt: null });
    expect(
      (await db().findings.history(a.id)).map((e) => [e.type, e.fromStatus, e.toStatus]),
    ).toEqual([
      ['opened', null, 'open'],
      ['resolved', 'open', 'resolved'],
      ['reopened', 'resolved', 'open'],
    ]);
  });

  it('keeps accepted risk until it expires, then reopens with an accepted-expired transition', async () => {
    const a = (await db().findings.list({ subjectId: 'a' })).items[0]!;
    clock.set(at('2026-11-01T03:30:00Z'));
    const { finding, event } = await db().findings.acceptRisk(a.id, {
      reason: 'contractor until year end',
      by: 'alice@acme.test',
      until: at('2026-11-01T06:00:00Z'),
    });
    expect(finding).toMatchObject({
      status: 'accepted',
      acceptedRisk: {
        reason: 'contractor until year end',
        by: 'alice@acme.test',
        at: at('2026-11-01T03:30:00Z'),
        until: at('2026-11-01T06:00:00Z'),
      },
      updatedAt: at('2026-11-01T03:30:00Z'),
    });
    expect(event).toMatchObject({
      type: 'accepted',
      actor: 'alice@acme.test',
      fromStatus: 'open',
      toStatus: 'accepted',
      at: at('2026-11-01T03:30:00Z'),
    });

    const s1 = await snap('2026-11-01T04:00:00Z');
    const still = await applyAt(
      s1.id,
      [unidentified('a'), unidentified('b', 'high')],
      '2026-11-01T04:00:01Z',
    );
    expect(still.transitions).toEqual([]);
    expect(still.openByCheck).toEqual({ 'user-identified': 1 });
    expect(still.nextAcceptanceExpiry).toEqual(at('2026-11-01T06:00:00Z'));
    expect((await db().findings.get(a.id))?.status).toBe('accepted');

    const s2 = await snap('2026-11-01T06:00:00Z');
    const expired = await applyAt(
      s2.id,
      [unidentified('a'), unidentified('b', 'high')],
      '2026-11-01T06:00:01Z',
    );
    expect(summary(expired)).toEqual(['accepted-expired:a']);
    expect(expired.nextAcceptanceExpiry).toBeNull();
    expect(expired.transitions[0]!.finding).toMatchObject({ status: 'open', acceptedRisk: null });
    expect((await db().findings.history(a.id)).at(-1)).toMatchObject({
      type: 'accepted-expired',
      note: expect.stringContaining('contractor until year end'),
    });
  });

  it('resolves an accepted finding that stops being reported, and revokes acceptances on request', async () => {
    const b = (await db().findings.list({ subjectId: 'b' })).items[0]!;
    clock.set(at('2026-11-01T06:30:00Z'));
    await db().findings.acceptRisk(b.id, {
      reason: 'r',
      by: 'alice',
      until: at('2027-01-01T00:00:00Z'),
    });
    clock.set(at('2026-11-01T06:31:00Z'));
    const revoked = await db().findings.revokeAcceptance(b.id, 'bob', 'changed our mind');
    expect(revoked.finding.status).toBe('open');
    expect(revoked.event.at).toEqual(at('2026-11-01T06:31:00Z'));
    await expect(db().findings.revokeAcceptance(b.id, 'bob')).rejects.toThrow(ConflictError);

    clock.set(at('2026-11-01T06:40:00Z'));
    await db().findings.acceptRisk(b.id, {
      reason: 'r2',
      by: 'alice',
      until: at('2027-01-01T00:00:00Z'),
    });
    const s = await snap('2026-11-01T07:00:00Z');
    const result = await applyAt(s.id, [unidentified('a')], '2026-11-01T07:00:01Z');
    expect(summary(result)).toEqual(['resolved:b']);
    expect(result.transitions[0]!.finding).toMatchObject({
      status: 'resolved',
      acceptedRisk: null,
    });
  });

  it('refuses to accept a resolved finding or with a past expiry, naming the field', async () => {
    const b = (await db().findings.list({ subjectId: 'b' })).items[0]!;
    await expect(
      db().findings.acceptRisk(b.id, { reason: 'r', by: 'x', until: inAMonth() }),
    ).rejects.toThrow(ConflictError);
    await expect(
      db().findings.acceptRisk(b.id, { reason: 'r', by: 'x', until: at('2020-01-01T00:00:00Z') }),
    ).rejects.toThrow(/^until: /);
    await expect(
      db().findings.acceptRisk(b.id, { reason: ' ', by: 'x', until: inAMonth() }),
    ).rejects.toThrow(/^reason: /);
    await expect(
      db().findings.acceptRisk('00000000-0000-7000-8000-000000000000', {
        reason: 'r',
        by: 'x',
        until: inAMonth(),
      }),
    ).rejects.toThrow(NotFoundError);
  });

  it('scopes resolution to the evaluated tenant', async () => {
    const other = { tenantId: 'tenant-2', tenantName: 'Acme Pty' };
    const s2 = await db().snapshots.record(
      acme,
      other,
      users(['z', 'STANDARD']),
      at('2026-11-01T07:00:00Z'),
    );
    const opened = await applyAt(s2.id, [unidentified('z')], '2026-11-01T07:00:02Z');
    expect(summary(opened)).toEqual(['opened:z']);
    expect(opened.openByCheck).toEqual({ 'user-identified': 2 });
    // Evaluating the first tenant again must not resolve tenant-2's finding.
    const s1 = await snap('2026-11-01T08:00:00Z');
    expect((await applyAt(s1.id, [unidentified('a')], '2026-11-01T08:00:01Z')).transitions).toEqual(
      [],
    );
    expect((await db().findings.list({ subjectId: 'z' })).items[0]?.status).toBe('open');
    expect(await db().findings.openCountsByConnection()).toEqual({
      'finance/acme': { 'user-identified': 2 },
    });
    expect(await db().findings.openCounts(acme)).toEqual({ 'user-identified': 2 });
    expect(await db().findings.openCounts({ namespace: 'no', name: 'such' })).toEqual({});
    expect(await db().findings.openCountsByTenant(acme)).toEqual({
      [tenant.tenantId]: 1,
      'tenant-2': 1,
    });
    expect(await db().findings.openCountsByTenant({ namespace: 'no', name: 'such' })).toEqual({});
  });

  it('reports the earliest acceptance still ahead, across the tenants of the connection', async () => {
    const [a] = (await db().findings.list({ subjectId: 'a' })).items;
    const [z] = (await db().findings.list({ subjectId: 'z' })).items;
    const accept = (id: string, until: string) => {
      clock.set(at('2026-11-01T08:30:00Z'));
      return db().findings.acceptRisk(id, {
        reason: 'review pending',
        by: 'alice@acme.test',
        until: at(until),
      });
    };
    await accept(a!.id, '2026-12-01T00:00:00Z');
    await accept(z!.id, '2026-11-15T00:00:00Z');
    const s = await snap('2026-11-01T09:00:00Z');
    const result = await applyAt(s.id, [unidentified('a')], '2026-11-01T09:00:01Z');
    expect(result.transitions).toEqual([]);
    // tenant-2's z expires first, though this evaluation was of the first tenant.
    expect(result.nextAcceptanceExpiry).toEqual(at('2026-11-15T00:00:00Z'));
    // Once z's acceptance has passed without tenant-2 being evaluated (it left the grant), it is
    // no longer ahead: reporting it would make the reconciler sync again at once, in a loop.
    const later = await snap('2026-11-20T00:00:00Z');
    const afterZ = await applyAt(later.id, [unidentified('a')], '2026-11-20T00:00:01Z');
    expect((await db().findings.get(z!.id))?.status).toBe('accepted');
    expect(afterZ.nextAcceptanceExpiry).toEqual(at('2026-12-01T00:00:00Z'));
  });

  it('refuses a snapshot of another connection and invalid findings', async () => {
    const elsewhere = await db().snapshots.record(
      { namespace: 'finance', name: 'other' },
      tenant,
      [],
      at('2026-11-01T00:00:00Z'),
    );
    await expect(applyAt(elsewhere.id, [], '2026-11-01T09:00:00Z')).rejects.toThrow(
      /^snapshotId: /,
    );
    const s = await db().snapshots.latest(acme, tenant.tenantId);
    await expect(
      db().findings.apply(acme, s!.id, [{ ...unidentified('a'), message: '' }]),
    ).rejects.toThrow(/^findings\.0\.message: /);
  });
});

describe.each(testDrivers)('concurrent evaluations on $dialect', (driver) => {
  const t = useTestModel(driver);

  it('opens each finding once when replicas apply the same evaluation at the same time', async () => {
    const db = t.model.db;
    const s = await db.snapshots.record(
      acme,
      tenant,
      users(['a', 'STANDARD']),
      at('2026-11-01T00:00:00Z'),
    );
    const reported = Array.from({ length: 40 }, (_, i) => unidentified(`u${i}`));
    // Open every pooled connection first, so the applies really overlap.
    await Promise.all(
      Array.from({ length: 4 }, () => t.model.orm.em.getConnection().execute('select 1')),
    );
    const results = await Promise.all(
      Array.from({ length: 4 }, () =>
        db.findings.apply(acme, s.id, reported, at('2026-11-01T00:00:01Z')),
      ),
    );
    const opened = results.flatMap((r) => r.transitions.filter((x) => x.type === 'opened'));
    expect(opened).toHaveLength(40);
    expect((await db.findings.list({}, { limit: 100 })).items).toHaveLength(40);
  });
});

describe.each(testDrivers)('finding alerts written with the findings on $dialect', (driver) => {
  const t = useTestModel(driver);
  const target = 'https://hooks.acme.test/xao';
  const alerts = findingAlertsTo(target);

  it('records one delivery per transition in the same transaction: all or nothing', async () => {
    const db = t.model.db;
    const s = await db.snapshots.record(
      acme,
      tenant,
      users(['a', 'STANDARD'], ['b', 'STANDARD']),
      at('2026-11-01T00:00:00Z'),
    );
    const reported = [unidentified('a'), unidentified('b')];
    const failing: FindingAlerts = {
      targets: [target],
      delivery: () => {
        throw new Error('could not build the payload');
      },
    };
    await expect(
      db.findings.apply(acme, s.id, reported, at('2026-11-01T00:00:01Z'), failing),
    ).rejects.toThrow('could not build the payload');
    // Nothing of the failed update stays: the same findings open now, with their alerts.
    const applied = await db.findings.apply(
      acme,
      s.id,
      reported,
      at('2026-11-01T00:00:02Z'),
      alerts,
    );
    expect(applied.transitions.map((x) => x.type)).toEqual(['opened', 'opened']);
    const log = (await db.webhooks.list()).items;
    expect(log.map((d) => d.eventId).sort()).toEqual(
      applied.transitions.map((x) => x.eventId).sort(),
    );
    expect(
      log.every(
        (d) => d.target === redactWebhookTarget(target) && d.eventType === 'finding.opened',
      ),
    ).toBe(true);
    expect(log.map((d) => d.payload.findingId).sort()).toEqual(
      applied.transitions.map((x) => x.finding.id).sort(),
    );
  });
});

import { describe, expect, it, vi } from 'vitest';
import type { EvaluatedBy } from '../findings/resolution-note.js';
import type { ReportedFinding } from '../findings/reported-finding.js';
import { testDrivers, useTestModel } from '../test/drivers.js';
import { acme, at, tenant, unidentified, users } from '../test/fixtures.js';

const SHA = '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';
const evaluatedBy = (generation: number): EvaluatedBy => ({
  policy: { revision: '2026.12.1', sha256: SHA },
  generation,
  offboardingGraceHours: 24,
});
const unmapped = (userId: string): ReportedFinding => ({
  check: 'critical-system-access-valid',
  severity: 'high',
  subject: { kind: 'user', id: userId },
  message: `Xero user ${userId}@acme.test has a Xero role the mapping does not allow`,
});
const unconfigured: ReportedFinding = {
  check: 'critical-system-access-configured',
  severity: 'medium',
  subject: { kind: 'connection', id: 'finance/acme' },
  message: 'XeroConnection finance/acme is a critical system but declares no role mappings',
};

describe.each(testDrivers)('why an evaluation resolved a finding, on $dialect', (driver) => {
  const t = useTestModel(driver);

  it('tells remediation from a policy or settings change in the resolved events', async () => {
    const { db } = t.model;
    const record = (h: number, ...rows: [string, string][]) =>
      db.snapshots.record(acme, tenant, users(...rows), at(`2026-12-01T${h}:00:00Z`));
    const first = await record(10, ['gone', 'STANDARD'], ['removed', 'STANDARD'], ['demoted', 'STANDARD'], ['kept', 'STANDARD'], ['ok', 'READONLY']); // prettier-ignore
    await db.findings.apply(
      acme,
      first.id,
      // staff-7: a custom check's user subject that is no Xero UserID (a staff id).
      [
        ...['gone', 'removed', 'demoted', 'kept', 'staff-7'].map(unmapped),
        unconfigured,
        unidentified('ok'),
      ],
      first.takenAt,
      undefined,
      evaluatedBy(1),
    );
    // Generation 2 widened the role mappings and added them: gone left Xero, removed lost access,
    // demoted now has a role the mapping allows, kept still holds STANDARD.
    const second = await record(11, ['removed', 'REMOVED'], ['demoted', 'READONLY'], ['kept', 'STANDARD'], ['ok', 'READONLY']); // prettier-ignore
    const applied = await db.findings.apply(
      acme,
      second.id,
      [unidentified('ok')],
      second.takenAt,
      undefined,
      evaluatedBy(2),
    );

    const notes = new Map<string, string | null>();
    for (const tr of applied.transitions) {
      expect(tr.type).toBe('resolved');
      const events = await db.findings.history(tr.finding.id);
      expect(events.at(-1)).toMatchObject({ type: 'resolved', snapshotId: second.id });
      notes.set(tr.finding.subject.id, events.at(-1)!.note);
    }
    const under = `policy bundle 2026.12.1 (sha256 9f86d081884c), connection generation 2, offboarding grace 24h`;
    expect(Object.fromEntries(notes)).toEqual({
      gone: 'remediated: the user is no longer listed in snapshot 2',
      removed: "remediated: the user's access was removed in snapshot 2",
      demoted: "remediated: the user's role changed from STANDARD to READONLY in snapshot 2",
      kept:
        `access unchanged: the user still holds STANDARD in snapshot 2; the check no longer ` +
        `reports it under ${under}: a change of policy, settings, staff or account links, not remediation`,
      'staff-7':
        `no longer reported in snapshot 2 under ${under}: the subject is not a Xero user on record ` +
        `(listed neither in snapshot 2 nor in the snapshot that last reported it), not remediation`,
      'finance/acme': `no longer reported in snapshot 2 under ${under}: a change of policy or settings`,
    });

    // The changes feed serves the same note (on PostgreSQL once other test files' transactions
    // that were running when it was written have ended).
    const resolved = await vi.waitFor(
      async () => {
        const feed = await db.findings.changes({ connection: acme }, { limit: 500 });
        const items = feed.items.filter((c) => c.type === 'resolved');
        expect(items).toHaveLength(notes.size);
        return items;
      },
      { timeout: 60_000, interval: 200 },
    );
    expect(Object.fromEntries(resolved.map((c) => [c.subject.id, c.note]))).toEqual(
      Object.fromEntries(notes),
    );
  });

  it('refuses an evaluatedBy it could not name faithfully, writing nothing', async () => {
    const { db } = t.model;
    const ref = { namespace: 'finance', name: 'bad-source' };
    const s = await db.snapshots.record(
      ref,
      tenant,
      users(['a', 'STANDARD']),
      at('2026-12-01T10:00:00Z'),
    );
    const bad = { ...evaluatedBy(1), policy: { revision: '1', sha256: 'not-a-digest' } };
    await expect(
      db.findings.apply(ref, s.id, [unidentified('a')], s.takenAt, undefined, bad),
    ).rejects.toMatchObject({ field: 'evaluatedBy.policy.sha256' });
    expect((await db.findings.list({ connection: ref })).items).toEqual([]);
  });
});

import {
  StaleSnapshotError,
  createOrm,
  type ModelOrm,
  type ReportedFinding,
} from '@xero-access/model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyFindings } from './apply-findings.js';

const ref = { namespace: 'finance', name: 'acme' };
const acme = { tenantId: '11111111-1111-4111-8111-111111111111', tenantName: 'Acme' };
const beta = { tenantId: '22222222-2222-4222-8222-222222222222', tenantName: 'Beta' };
const hour = (h: number) => new Date(Date.UTC(2026, 11, 1, h));
const evaluatedBy = {
  policy: { revision: 'test', sha256: 'e'.repeat(64) },
  generation: 1,
  offboardingGraceHours: 24,
};
const offboarded = (userId: string): ReportedFinding => ({
  check: 'offboarded-access-removed',
  severity: 'high',
  subject: { kind: 'user', id: userId },
  message: `Xero user ${userId} belongs to a staff member who left`,
});
const unidentified = (userId: string): ReportedFinding => ({
  check: 'user-identified',
  severity: 'medium',
  subject: { kind: 'user', id: userId },
  message: `Xero user ${userId} is not tied to anyone in the staff directory`,
});

describe('applying a sync whose snapshot of one organisation is stale', () => {
  let model: ModelOrm;
  beforeAll(async () => {
    model = await createOrm({ url: 'sqlite::memory:', migrate: true });
  });
  afterAll(() => model?.close());

  it('applies the other organisations and names the stale one, writing nothing of it', async () => {
    const { db } = model;
    const record = (tenant: typeof acme, userId: string, h: number) =>
      db.snapshots.record(ref, tenant, [{ userId, organisationRole: 'STANDARD' }], hour(h));
    // This sync recorded Acme 1 and Beta 1; another replica then recorded and applied Acme 2.
    const acme1 = await record(acme, 'a', 1);
    const beta1 = await record(beta, 'b', 1);
    const acme2 = await record(acme, 'c', 2);
    await db.findings.apply(ref, acme2.id, [unidentified('c')], hour(2));

    const applied = await applyFindings(
      db,
      ref,
      [
        { snapshotId: acme1.id, findings: [unidentified('a')], evaluatedBy, fetchedNow: true },
        { snapshotId: beta1.id, findings: [unidentified('b')], evaluatedBy, fetchedNow: true },
      ],
      hour(3),
    );
    expect(applied.transitions.map((t) => [t.type, t.finding.subject.id])).toEqual([
      ['opened', 'b'],
    ]);
    expect(applied.stale).toHaveLength(1);
    expect(applied.stale[0]).toBeInstanceOf(StaleSnapshotError);
    expect(applied.stale[0]).toMatchObject({ sequence: 1, appliedSequence: 2 });
    expect(applied.openByCheck).toEqual({ 'user-identified': 2 });
    const open = await db.findings.list({ connection: ref, status: 'open' });
    expect(open.items.map((f) => [f.subject.id, f.snapshotId]).sort()).toEqual([
      ['b', beta1.id],
      ['c', acme2.id],
    ]);
  });
});

describe("applying a failed organisation's last snapshot, evaluated again", () => {
  let model: ModelOrm;
  beforeAll(async () => {
    model = await createOrm({ url: 'sqlite::memory:', migrate: true });
  });
  afterAll(() => model?.close());

  it('opens what it reports, dated to that snapshot, and resolves nothing', async () => {
    const { db } = model;
    const users = ['a', 'b'].map((userId) => ({ userId, organisationRole: 'STANDARD' }));
    const beta1 = await db.snapshots.record(ref, beta, users, hour(1));
    const apply = (findings: ReportedFinding[], fetchedNow: boolean, h: number) =>
      applyFindings(
        db,
        ref,
        [{ snapshotId: beta1.id, findings, evaluatedBy, fetchedNow }],
        hour(h),
      );
    await apply([unidentified('a')], true, 1);

    // Beta fails from here on. Meanwhile 'a' was linked to a member (no longer reported) and the
    // member tied to 'b' left: the same snapshot, evaluated against today's directory.
    const applied = await apply([offboarded('b')], false, 30);
    expect(applied.transitions.map((t) => [t.type, t.finding.check, t.finding.subject.id])).toEqual(
      [['opened', 'offboarded-access-removed', 'b']],
    );
    expect(applied.openByCheck).toEqual({
      'offboarded-access-removed': 1,
      'user-identified': 1,
    });
    const open = await db.findings.list({ connection: ref, status: 'open' });
    expect(open.items.map((f) => [f.check, f.subject.id, f.snapshotId]).sort()).toEqual([
      ['offboarded-access-removed', 'b', beta1.id],
      ['user-identified', 'a', beta1.id],
    ]);

    // Fetched again (the same users): the link resolves 'a'.
    const fetched = await apply([offboarded('b')], true, 31);
    expect(fetched.transitions.map((t) => [t.type, t.finding.subject.id])).toEqual([
      ['resolved', 'a'],
    ]);
  });
});

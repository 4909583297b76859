import { describe, expect, it } from 'vitest';
import { Snapshot } from '../entities/snapshot.js';
import { ConflictError, StaleSnapshotError } from '../errors.js';
import type { ReportedFinding } from '../findings/reported-finding.js';
import { testDrivers, useTestModel } from '../test/drivers.js';
import { at, findingAlertsTo, tenant, unidentified, users } from '../test/fixtures.js';
import type { ConnectionRef } from './context.js';
import type { SnapshotRecord } from './snapshots.js';

/** Each evaluation applied at most once in order: a later one wins, an earlier one is refused. */
describe.each(testDrivers)('applying findings of an older snapshot on $dialect', (driver) => {
  const t = useTestModel(driver);
  const db = () => t.model.db;
  const alerts = findingAlertsTo('https://hooks.acme.test/xao');
  const hour = (h: number) => at(`2026-12-01T${String(h).padStart(2, '0')}:00:00Z`);

  /** Snapshots 1, 2, 3… of `ref`'s tenant, one an hour, each listing `userIds`. */
  async function recordAll(ref: ConnectionRef, ...userIds: string[][]): Promise<SnapshotRecord[]> {
    const recorded: SnapshotRecord[] = [];
    for (const ids of userIds) {
      const rows = ids.map((id): [string, string] => [id, 'STANDARD']);
      recorded.push(
        await db().snapshots.record(ref, tenant, users(...rows), hour(recorded.length)),
      );
    }
    return recorded;
  }
  const apply = (ref: ConnectionRef, s: SnapshotRecord, reported: ReportedFinding[]) =>
    db().findings.apply(ref, s.id, reported, hour(10), alerts);
  /** What the findings of `ref` are: subject, status and the snapshot they were last seen in. */
  const stateOf = async (ref: ConnectionRef) =>
    (await db().findings.list({ connection: ref }, { limit: 500 })).items
      .map((f) => [f.subject.id, f.status, f.snapshotId])
      .sort();
  const deliveries = async () => (await db().webhooks.list({}, { limit: 500 })).items.length;

  it('refuses snapshot 2 after snapshot 3 is applied: no transitions, no history, no deliveries', async () => {
    const ref = { namespace: 'finance', name: 'stale' };
    const [s1, s2, s3] = await recordAll(ref, ['a'], ['a', 'b'], ['c']);
    await apply(ref, s1!, [unidentified('a')]);
    // The new leader evaluates snapshot 3 (a and b gone, c new) and applies it…
    await apply(ref, s3!, [unidentified('c')]);
    const state = await stateOf(ref);
    const history = await db().findings.history(
      (await db().findings.list({ connection: ref, subjectId: 'a' })).items[0]!.id,
    );
    const sent = await deliveries();
    // …then the deposed one, which stalled, applies its evaluation of snapshot 2.
    const stale = apply(ref, s2!, [unidentified('a'), unidentified('b')]);
    await expect(stale).rejects.toThrow(StaleSnapshotError);
    await expect(stale).rejects.toThrow(ConflictError);
    await expect(stale).rejects.toThrow(
      `snapshot 2 of finance/stale tenant ${tenant.tenantId} is older than snapshot 3, whose findings are applied already`,
    );
    await expect(stale).rejects.toMatchObject({ sequence: 2, appliedSequence: 3 });

    expect(await stateOf(ref)).toEqual(state);
    expect(state).toEqual([
      ['a', 'resolved', s1!.id],
      ['c', 'open', s3!.id],
    ]);
    expect(
      await db().findings.history(
        (await db().findings.list({ connection: ref, subjectId: 'a' })).items[0]!.id,
      ),
    ).toEqual(history);
    expect(await db().findings.list({ connection: ref, subjectId: 'b' })).toMatchObject({
      items: [],
    });
    expect(await deliveries()).toBe(sent);
  });

  it('refuses snapshot 2 after snapshot 3 was applied though 3 reported nothing and had nothing to resolve', async () => {
    const ref = { namespace: 'finance', name: 'quiet' };
    const [, s2, s3] = await recordAll(ref, ['a'], ['a'], ['a']);
    const sent = await deliveries();
    expect(await apply(ref, s3!, [])).toMatchObject({ transitions: [], openByCheck: {} });
    const stale = apply(ref, s2!, [unidentified('a')]);
    await expect(stale).rejects.toThrow(StaleSnapshotError);
    await expect(stale).rejects.toMatchObject({ sequence: 2, appliedSequence: 3 });
    expect(await stateOf(ref)).toEqual([]);
    expect(await deliveries()).toBe(sent);
  });

  /** Snapshots applied before `findingsAppliedAt` existed, or by the previous version: no mark. */
  const forgetAppliedMarks = () =>
    t.model.orm.em
      .fork()
      .nativeUpdate(Snapshot, { findingsAppliedAt: { $ne: null } }, { findingsAppliedAt: null });

  it('tells an unmarked applied evaluation by the findings it saw again alone, or by what it resolved alone', async () => {
    // Snapshot 3 reports the finding that is open already: no transition, only the finding's mark.
    const seen = { namespace: 'finance', name: 'seen-again' };
    const [a1, a2, a3] = await recordAll(seen, ['a'], ['a', 'b'], ['a']);
    await apply(seen, a1!, [unidentified('a')]);
    expect((await apply(seen, a3!, [unidentified('a')])).transitions).toEqual([]);
    await forgetAppliedMarks();
    await expect(apply(seen, a2!, [unidentified('a'), unidentified('b')])).rejects.toThrow(
      /^snapshot 2 of finance\/seen-again tenant .* older than snapshot 3,/,
    );

    // Snapshot 3 resolves every finding: no finding names it, only the events it wrote.
    const cleared = { namespace: 'finance', name: 'cleared' };
    const [b1, b2, b3] = await recordAll(cleared, ['a'], ['a'], []);
    await apply(cleared, b1!, [unidentified('a')]);
    await apply(cleared, b3!, []);
    await forgetAppliedMarks();
    await expect(apply(cleared, b2!, [unidentified('a')])).rejects.toThrow(StaleSnapshotError);
    expect(await stateOf(cleared)).toEqual([['a', 'resolved', b1!.id]]);
  });

  it('applies an older snapshot while a newer one is only recorded, then the newer one; each again while none later is applied', async () => {
    const ref = { namespace: 'finance', name: 'in-order' };
    const [s1, s2] = await recordAll(ref, ['a'], ['b']);
    // Snapshot 2 is recorded but not applied (its sync has not got there, or failed): 1 applies.
    expect((await apply(ref, s1!, [unidentified('a')])).transitions.map((x) => x.type)).toEqual([
      'opened',
    ]);
    expect(await apply(ref, s1!, [unidentified('a')])).toMatchObject({ transitions: [] });
    const applied = await apply(ref, s2!, [unidentified('b')]);
    expect(applied.transitions.map((x) => [x.type, x.finding.subject.id])).toEqual([
      ['opened', 'b'],
      ['resolved', 'a'],
    ]);
    expect(await apply(ref, s2!, [unidentified('b')])).toMatchObject({ transitions: [] });
    await expect(apply(ref, s1!, [unidentified('a')])).rejects.toThrow(StaleSnapshotError);

    // Another tenant's chain is its own: its snapshot 1 applies after this tenant's snapshot 2.
    const other = { tenantId: '22222222-2222-4222-8222-222222222222', tenantName: 'Other' };
    const o1 = await db().snapshots.record(ref, other, users(['x', 'STANDARD']), hour(5));
    expect(
      (await db().findings.apply(ref, o1.id, [unidentified('x')], hour(10))).transitions,
    ).toHaveLength(1);
  });
});

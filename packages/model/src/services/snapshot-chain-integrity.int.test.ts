import { describe, expect, it } from 'vitest';
import type { ExpectedLink } from '../hashing/expected-link.js';
import type { ChainVerification } from '../hashing/snapshot-hash.js';
import { parseChainExport, verifyChainExport } from '../snapshots/chain-export.js';
import { testDrivers, useTestModel } from '../test/drivers.js';
import { at, tenant, users } from '../test/fixtures.js';
import type { ConnectionRef } from './context.js';

const problems = (v: ChainVerification) => v.problems.map((p) => [p.sequence, p.problem]);

describe.each(testDrivers)(
  'what chain verification catches beyond the links on $dialect',
  (driver) => {
    const t = useTestModel(driver);
    const db = () => t.model.db;
    const sql = (text: string, params: unknown[] = []) =>
      t.model.orm.em.getConnection().execute(text, params);

    /** One snapshot a day of November from the 1st, with the users given for each. */
    async function recordDays(ref: ConnectionRef, days: [string, string][][]) {
      const recorded = [];
      for (const [i, day] of days.entries())
        recorded.push(
          await db().snapshots.record(
            ref,
            tenant,
            users(...day),
            at(`2026-11-0${i + 1}T00:00:00Z`),
          ),
        );
      return recorded;
    }

    /** The export's own verification, and an offline verifier's of its text. */
    async function exported(ref: ConnectionRef, expect: ExpectedLink[] = []) {
      const stream = (await db().snapshots.exportChain(ref, tenant.tenantId, { expect }))!;
      let body = '';
      for await (const piece of stream.text()) body += piece;
      return {
        written: stream.verification(),
        offline: await verifyChainExport(parseChainExport(body), undefined, expect),
      };
    }

    it('fails a chain whose newest snapshots were deleted, against the head kept from before', async () => {
      const ref = { namespace: 'finance', name: 'truncated' };
      const recorded = await recordDays(
        ref,
        [1, 2, 3, 4, 5].map((i) => [[`u${i}`, 'ADMIN']]),
      );
      const before = await db().snapshots.verifyChain(ref, tenant.tenantId);
      expect(before).toMatchObject({ ok: true, headSequence: 5, headHash: recorded[4]!.chainHash });
      const kept = { sequence: before.headSequence!, chainHash: before.headHash! };

      for (const s of [recorded[4]!, recorded[3]!])
        await sql('delete from snapshot where id = ?', [s.id]);
      // What is left is a chain: on its own it verifies.
      expect(await db().snapshots.verifyChain(ref, tenant.tenantId)).toMatchObject({
        ok: true,
        headSequence: 3,
      });
      const missing = {
        snapshotId: null,
        sequence: 5,
        problem: 'expected-link-missing',
        detail: 'the chain ends at sequence 3: the snapshots after it were deleted',
      };
      const after = await db().snapshots.verifyChain(ref, tenant.tenantId, { expect: [kept] });
      expect(after).toMatchObject({ ok: false, problems: [missing] });
      const { written, offline } = await exported(ref, [kept]);
      expect(written).toEqual(after);
      expect(offline).toEqual(after);
    });

    it("fails a snapshot whose stored diff or counts are not what its users and its predecessor's give", async () => {
      const ref = { namespace: 'finance', name: 'rediffed' };
      const recorded = await recordDays(ref, [
        [['u1', 'ADMIN']],
        [
          ['u1', 'ADMIN'],
          ['u2', 'STANDARD'],
        ],
        [
          ['u1', 'ADMIN'],
          ['u2', 'REMOVED'],
        ],
      ]);
      expect(await db().snapshots.verifyChain(ref, tenant.tenantId)).toMatchObject({
        ok: true,
        problems: [],
      });

      // The joiner u2 hidden, and the count of users with access raised.
      const none = JSON.stringify({ joiners: [], leavers: [], roleChanges: [] });
      await sql('update snapshot set diff = ? where id = ?', [none, recorded[1]!.id]);
      await sql('update snapshot set active_user_count = 2 where id = ?', [recorded[2]!.id]);
      expect((await db().snapshots.get(recorded[1]!.id))!.diff.joiners).toEqual([]);

      const verification = await db().snapshots.verifyChain(ref, tenant.tenantId);
      expect(verification.problems).toEqual([
        {
          snapshotId: recorded[1]!.id,
          sequence: 2,
          problem: 'diff-mismatch',
          detail:
            "stored diff (0 joiners, 0 leavers, 0 role changes) is not the one its users and its predecessor's give (1 joiners, 0 leavers, 0 role changes)",
        },
        {
          snapshotId: recorded[2]!.id,
          sequence: 3,
          problem: 'user-count-mismatch',
          detail: 'stored userCount 2, activeUserCount 2; its users count 2 and 1',
        },
      ]);
      // The export holds no diffs: its writer checks them in the database, an offline verifier cannot.
      const { written, offline } = await exported(ref);
      expect(written).toEqual(verification);
      expect(offline).toMatchObject({ ok: true, problems: [] });
    });

    // Last: it takes the foreign key off that keeps contents in use.
    it('reports content-missing for each snapshot of a content whose row is gone, and verifies the rest', async () => {
      const ref = { namespace: 'finance', name: 'uncontented' };
      const recorded = await recordDays(ref, [
        [['u1', 'ADMIN']],
        [['u1', 'ADMIN']],
        [['u2', 'ADMIN']],
      ]);
      if (driver.dialect === 'postgresql')
        await sql('alter table snapshot drop constraint snapshot_content_hash_foreign');
      else await sql('pragma foreign_keys = off');
      await sql('delete from snapshot_content where hash = ?', [recorded[0]!.contentHash]);

      const verification = await db().snapshots.verifyChain(ref, tenant.tenantId);
      expect(problems(verification)).toEqual([
        [1, 'content-missing'],
        [2, 'content-missing'],
      ]);
      expect(verification).toMatchObject({ ok: false, length: 3, headSequence: 3 });
      const { written, offline } = await exported(ref);
      expect(written).toEqual(verification);
      expect(offline).toEqual(verification);
    });
  },
);

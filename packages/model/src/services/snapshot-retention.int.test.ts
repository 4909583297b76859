import { describe, expect, it } from 'vitest';
import { parseChainExport, verifyChainExport } from '../snapshots/chain-export.js';
import { testDrivers, useTestModel } from '../test/drivers.js';
import { at, unidentified, users } from '../test/fixtures.js';

const cutoff = at('2026-11-01T00:00:00Z');
const day = (n: number) => at(`2026-10-${String(n).padStart(2, '0')}T00:00:00Z`);

describe.each(testDrivers)('snapshot retention on $dialect', (driver) => {
  const t = useTestModel(driver);
  const db = () => t.model.db;
  const knex = () => t.model.orm.em.getKnex();

  /** A tenant of its own with snapshots at the given times, users changing every other one. */
  async function chain(name: string, times: Date[]) {
    const ref = { namespace: 'retention', name };
    const tenant = { tenantId: `tenant-${name}`, tenantName: `${name} Ltd` };
    const recorded = [];
    for (const [i, time] of times.entries())
      recorded.push(
        await db().snapshots.record(
          ref,
          tenant,
          users(['alice', 'STANDARD'], [`joiner-${Math.floor(i / 2)}`, 'ADVISER']),
          time,
        ),
      );
    return { ref, tenantId: tenant.tenantId, recorded };
  }

  async function exported(ref: { namespace: string; name: string }, tenantId: string) {
    const stream = await db().snapshots.exportChain(ref, tenantId);
    let text = '';
    for await (const piece of stream!.text()) text += piece;
    return text;
  }

  it('prunes old snapshots and their unshared contents; the chain verifies from its checkpoint, in the database and in an export', async () => {
    const { ref, tenantId, recorded } = await chain('pruned', [
      day(1),
      day(2),
      day(3),
      day(4),
      day(5),
      at('2026-11-20T00:00:00Z'),
    ]);
    const before = await db().snapshots.verifyChain(ref, tenantId);
    expect(before).toMatchObject({ ok: true, length: 6 });
    expect(before.checkpoint).toBeUndefined();

    const result = await db().retention.pruneSnapshots(cutoff, { batch: 2 });
    // Contents: joiner-0 (1, 2) and joiner-1 (3, 4) go; joiner-2 (5, 6) stays with snapshot 6.
    expect(result).toEqual({ deleted: 5, contents: 2, state: 'done' });
    expect(await db().snapshots.get(recorded[4]!.id)).toBeNull();
    expect(await db().snapshots.get(recorded[5]!.id)).not.toBeNull();
    const contents = (await knex()('snapshot_content').select('hash')).map((r) => r.hash);
    expect(contents).toEqual([recorded[5]!.contentHash]);

    const checkpoint = {
      sequence: 5,
      chainHash: recorded[4]!.chainHash,
      takenAt: day(5).toISOString(),
    };
    expect(await db().snapshots.verifyChain(ref, tenantId)).toEqual({
      ok: true,
      connection: 'retention/pruned',
      tenantId,
      length: 1,
      headSequence: 6,
      headHash: recorded[5]!.chainHash,
      problems: [],
      checkpoint: { ...checkpoint, audited: true },
    });
    // Each batch's checkpoint move is in the audit log, written with it.
    const moves = (await db().audit.list({ action: 'snapshot.prune' })).items;
    expect(moves.map((e) => e.details)).toEqual([
      {
        connection: 'retention/pruned',
        tenantId,
        sequence: 5,
        chainHash: checkpoint.chainHash,
        pruned: 1,
      },
      {
        connection: 'retention/pruned',
        tenantId,
        sequence: 4,
        chainHash: recorded[3]!.chainHash,
        pruned: 2,
      },
      {
        connection: 'retention/pruned',
        tenantId,
        sequence: 2,
        chainHash: recorded[1]!.chainHash,
        pruned: 2,
      },
    ]);
    expect(moves[0]).toMatchObject({
      actor: 'system:retention',
      resourceType: 'snapshot-chain',
      resourceId: `retention/pruned/${tenantId}`,
    });
    const text = await exported(ref, tenantId);
    expect(JSON.parse(text)).toMatchObject({ checkpoint, records: [{ sequence: 6 }] });
    expect(await verifyChainExport(parseChainExport(text))).toMatchObject({ ok: true, checkpoint });

    // Nothing more to prune; a later sync continues the chain from the kept head.
    expect(await db().retention.pruneSnapshots(cutoff)).toEqual({
      deleted: 0,
      contents: 0,
      state: 'done',
    });
    await db().snapshots.record(
      ref,
      { tenantId, tenantName: 'pruned Ltd' },
      users(['alice', 'STANDARD']),
      at('2026-11-21T00:00:00Z'),
    );
    expect(await db().snapshots.verifyChain(ref, tenantId)).toMatchObject({
      ok: true,
      length: 2,
      checkpoint,
    });
  });

  it('still detects tampering after the checkpoint, and with the checkpoint itself', async () => {
    const { ref, tenantId, recorded } = await chain('tampered', [
      day(1),
      day(2),
      at('2026-11-20T00:00:00Z'),
      at('2026-11-21T00:00:00Z'),
    ]);
    const kept = JSON.parse(await exported(ref, tenantId)) as {
      records: { sequence: number; chainHash: string }[];
    };
    expect((await db().retention.pruneSnapshots(cutoff)).deleted).toBe(2);
    // The export kept from before the prune has the checkpoint's chainHash at its sequence.
    const { checkpoint } = await db().snapshots.verifyChain(ref, tenantId);
    expect(checkpoint).toMatchObject({ sequence: 2, audited: true });
    expect(kept.records.find((r) => r.sequence === checkpoint!.sequence)?.chainHash).toBe(
      checkpoint!.chainHash,
    );

    await knex()('snapshot').where({ id: recorded[3]!.id }).update({ tenant_name: 'Forged Ltd' });
    const forged = await db().snapshots.verifyChain(ref, tenantId);
    expect(forged.ok).toBe(false);
    expect(forged.problems).toEqual([
      expect.objectContaining({ sequence: 4, problem: 'chain-hash-mismatch' }),
    ]);
    await knex()('snapshot').where({ id: recorded[3]!.id }).update({ tenant_name: 'tampered Ltd' });

    await knex()('snapshot_chain_checkpoint')
      .where({ tenant_id: tenantId })
      .update({ chain_hash: 'f'.repeat(64) });
    const moved = await db().snapshots.verifyChain(ref, tenantId);
    expect(moved.problems).toEqual([
      expect.objectContaining({ sequence: 3, problem: 'previous-hash-mismatch' }),
    ]);
    expect(moved.problems[0]!.detail).toContain("the checkpoint's chainHash");
    // No prune wrote it: reported, not failed on (the hash problem above is what fails).
    expect(moved.checkpoint?.audited).toBe(false);
  });

  it('keeps the newest snapshot, and every snapshot from the first a review or an open finding refers to', async () => {
    const reviewed = await chain('reviewed', [day(1), day(2)]);
    await db().reviews.create({
      connection: reviewed.ref,
      tenantId: reviewed.tenantId,
      title: 'Q4 access review',
      createdBy: 'alice@acme.test',
    });
    const found = await chain('found', [day(1), day(2)]);
    await db().findings.apply(found.ref, found.recorded[1]!.id, [unidentified('joiner-0')]);
    const newest = await chain('newest', [day(1)]);
    for (const later of [reviewed, found]) {
      for (const time of [day(3), day(4)])
        await db().snapshots.record(
          later.ref,
          { tenantId: later.tenantId, tenantName: 'later' },
          users(['alice', 'STANDARD']),
          time,
        );
    }

    const result = await db().retention.pruneSnapshots(cutoff);
    expect(result.deleted).toBe(2);
    for (const kept of [reviewed, found]) {
      expect(await db().snapshots.get(kept.recorded[0]!.id)).toBeNull();
      expect(await db().snapshots.get(kept.recorded[1]!.id)).not.toBeNull();
      expect(await db().snapshots.verifyChain(kept.ref, kept.tenantId)).toMatchObject({
        ok: true,
        length: 3,
        checkpoint: { sequence: 1 },
      });
    }
    expect(await db().snapshots.get(newest.recorded[0]!.id)).not.toBeNull();
  });

  it('fails verification when the checkpoint row is deleted', async () => {
    const { ref, tenantId } = await chain('uncheckpointed', [
      day(1),
      day(2),
      at('2026-11-20T00:00:00Z'),
    ]);
    expect((await db().retention.pruneSnapshots(cutoff)).deleted).toBe(2);
    await knex()('snapshot_chain_checkpoint').where({ tenant_id: tenantId }).delete();
    const verification = await db().snapshots.verifyChain(ref, tenantId);
    expect(verification.ok).toBe(false);
    expect(verification.checkpoint).toBeUndefined();
    expect(verification.problems[0]).toMatchObject({ sequence: 3 });
  });

  it('a checkpoint inserted by a database writer verifies, but no prune audited it', async () => {
    const { ref, tenantId, recorded } = await chain('forged', [day(1), day(2), day(3)]);
    const [second] = await knex()('snapshot').where({ id: recorded[1]!.id }).select('*');
    await knex()('snapshot').where({ id: recorded[2]!.id }).update({ previous_id: null });
    await knex()('snapshot').where({ id: recorded[1]!.id }).update({ previous_id: null });
    await knex()('snapshot').whereIn('id', [recorded[0]!.id, recorded[1]!.id]).delete();
    await knex()('snapshot_chain_checkpoint').insert({
      id: '00000000-0000-4000-8000-000000000001',
      connection_id: second.connection_id,
      tenant_id: tenantId,
      sequence: 2,
      chain_hash: recorded[1]!.chainHash,
      taken_at: second.taken_at,
      updated_at: second.taken_at,
    });
    expect(await db().snapshots.verifyChain(ref, tenantId)).toMatchObject({
      ok: true,
      checkpoint: { sequence: 2, audited: false },
    });
  });

  it('stops before the next batch once its signal is aborted', async () => {
    const { ref, tenantId } = await chain('stopped', [day(1), day(2), day(3), day(4)]);
    const stop = new AbortController();
    // Aborted as the first batch's snapshots are deleted (it commits; no other batch starts).
    const onQuery = (query: { sql: string }) => {
      if (/^delete from .snapshot. /i.test(query.sql)) stop.abort();
    };
    knex().on('query', onQuery);
    try {
      expect(
        await db().retention.pruneSnapshots(cutoff, { batch: 1, signal: stop.signal }),
      ).toMatchObject({ deleted: 1, state: 'stopped' });
    } finally {
      knex().off('query', onQuery);
    }
    expect(await db().snapshots.verifyChain(ref, tenantId)).toMatchObject({
      ok: true,
      length: 3,
      checkpoint: { sequence: 1 },
    });
  });
});

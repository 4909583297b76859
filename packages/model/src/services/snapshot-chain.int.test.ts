import type { RequiredEntityData } from '@mikro-orm/core';
import { describe, expect, it } from 'vitest';
import { Snapshot } from '../entities/snapshot.js';
import { chainHash } from '../hashing/snapshot-hash.js';
import { newId } from '../ids.js';
import { parseChainExport, verifyChainExport } from '../snapshots/chain-export.js';
import { testDrivers, useTestModel, type TestModel } from '../test/drivers.js';
import { acme, at, tenant, users } from '../test/fixtures.js';
import type { ConnectionRef } from './context.js';

/**
 * `count` hourly snapshots of one unchanged tenant (one shared content), the first recorded by the
 * service and the rest written directly with their real chain hashes: a year of hourly syncs
 * without a year of test time.
 */
async function seedUnchangedChain(
  t: Pick<TestModel, 'model'>,
  ref: ConnectionRef,
  count: number,
  userCount: number,
): Promise<void> {
  const everyone = users(
    ...Array.from({ length: userCount }, (_, i): [string, string] => [`user-${i}`, 'STANDARD']),
  );
  const start = Date.parse('2026-01-01T00:00:00Z');
  const first = await t.model.db.snapshots.record(ref, tenant, everyone, new Date(start));
  const em = t.model.orm.em.fork();
  let previous = { id: first.id, chainHash: first.chainHash };
  const rows: RequiredEntityData<Snapshot>[] = [];
  for (let sequence = 2; sequence <= count; sequence++) {
    const link = {
      connection: `${ref.namespace}/${ref.name}`,
      tenantId: tenant.tenantId,
      tenantName: tenant.tenantName,
      sequence,
      takenAt: new Date(start + (sequence - 1) * 3_600_000),
      contentHash: first.contentHash,
      previousHash: previous.chainHash,
    };
    const id = newId();
    rows.push({
      id,
      connection: first.connectionId,
      tenantId: link.tenantId,
      tenantName: link.tenantName,
      sequence,
      takenAt: link.takenAt,
      userCount,
      activeUserCount: userCount,
      content: first.contentHash,
      previous: previous.id,
      previousHash: link.previousHash,
      chainHash: chainHash(link),
      diff: { joiners: [], leavers: [], roleChanges: [] },
      createdAt: link.takenAt,
    });
    previous = { id, chainHash: chainHash(link) };
  }
  for (let i = 0; i < rows.length; i += 200) await em.insertMany(Snapshot, rows.slice(i, i + 200));
}

async function readExport(
  t: Pick<TestModel, 'model'>,
  ref: ConnectionRef,
): Promise<{ pieces: string[]; body: string; verification: unknown }> {
  const stream = await t.model.db.snapshots.exportChain(ref, tenant.tenantId);
  if (!stream) throw new Error('no chain');
  const pieces: string[] = [];
  for await (const piece of stream.text()) pieces.push(piece);
  return { pieces, body: pieces.join(''), verification: stream.verification() };
}

describe.each(testDrivers)('the chain export on $dialect', (driver) => {
  const t = useTestModel(driver);

  it('exports 2,000 snapshots sharing one content as that content once plus small records, written a page at a time', async () => {
    const year = { namespace: 'finance', name: 'year' };
    await seedUnchangedChain(t, year, 2_000, 200);
    const content = await t.model.db.snapshots.contentText(
      (await t.model.db.snapshots.latest(year, tenant.tenantId))!.id,
    );
    expect(content.length).toBeGreaterThan(40_000);

    const { pieces, body, verification } = await readExport(t, year);
    const file = JSON.parse(body);
    expect(Object.values(file.contents)).toEqual([content]);
    expect(file.records).toHaveLength(2_000);
    // Version 1 repeated the content in every record: 2,000 times this body.
    const perRecord = 500;
    expect(body.length).toBeLessThan(content.length + 2_000 * perRecord);
    // Written as read: no piece holds more than one content or one page of 200 records.
    expect(pieces.length).toBeGreaterThan(10);
    const largest = Math.max(...pieces.map((p) => p.length));
    expect(largest).toBeLessThan(Math.max(content.length * 1.1, 200 * perRecord));

    const expected = {
      ok: true,
      connection: 'finance/year',
      tenantId: tenant.tenantId,
      length: 2_000,
      headSequence: 2_000,
      headHash: file.records.at(-1).chainHash,
      problems: [],
    };
    expect(verification).toEqual(expected);
    expect(file.verification).toEqual(expected);
    expect(await verifyChainExport(parseChainExport(body))).toEqual(expected);
    expect(await t.model.db.snapshots.verifyChain(year, tenant.tenantId)).toEqual(expected);
  }, 120_000);

  it('exports the chain as it was when opened, while new snapshots are recorded', async () => {
    const busy = { namespace: 'finance', name: 'busy' };
    for (let i = 1; i <= 3; i++)
      await t.model.db.snapshots.record(
        busy,
        tenant,
        users([`u${i}`, 'ADMIN']),
        at(`2026-11-0${i}T00:00:00Z`),
      );
    const stream = (await t.model.db.snapshots.exportChain(busy, tenant.tenantId))!;
    await t.model.db.snapshots.record(
      busy,
      tenant,
      users(['late', 'ADMIN']),
      at('2026-11-04T00:00:00Z'),
    );
    let body = '';
    for await (const piece of stream.text()) body += piece;
    const file = JSON.parse(body);
    expect(file.records.map((r: { sequence: number }) => r.sequence)).toEqual([1, 2, 3]);
    expect(Object.keys(file.contents)).toHaveLength(3);
    expect(file.verification).toMatchObject({ ok: true, length: 3 });
  });

  it('reports every snapshot whose shared content was edited in the database', async () => {
    const edited = { namespace: 'finance', name: 'edited' };
    const same = users(['u1', 'STANDARD']);
    const first = await t.model.db.snapshots.record(
      edited,
      tenant,
      same,
      at('2026-11-01T00:00:00Z'),
    );
    await t.model.db.snapshots.record(edited, tenant, same, at('2026-11-01T01:00:00Z'));
    await t.model.db.snapshots.record(
      edited,
      tenant,
      users(['u2', 'ADMIN']),
      at('2026-11-01T02:00:00Z'),
    );
    await t.model.orm.em
      .getConnection()
      .execute(
        `update snapshot_content set text = replace(text, 'STANDARD', 'ADMIN') where hash = ?`,
        [first.contentHash],
      );
    const expected = [
      [1, 'content-hash-mismatch'],
      [2, 'content-hash-mismatch'],
    ];
    const { body, verification } = await readExport(t, edited);
    const problems = (v: unknown) =>
      (v as { problems: { sequence: number; problem: string }[] }).problems.map((p) => [
        p.sequence,
        p.problem,
      ]);
    expect(problems(verification)).toEqual(expected);
    expect(problems(await verifyChainExport(parseChainExport(body)))).toEqual(expected);
    expect(problems(await t.model.db.snapshots.verifyChain(edited, tenant.tenantId))).toEqual(
      expected,
    );
  });

  it('has nothing to export for a tenant or connection without snapshots', async () => {
    await t.model.db.snapshots.record(acme, tenant, users(), at('2026-11-01T00:00:00Z'));
    expect(await t.model.db.snapshots.exportChain(acme, 'mistyped-tenant')).toBeNull();
    expect(
      await t.model.db.snapshots.exportChain({ namespace: 'no', name: 'such' }, tenant.tenantId),
    ).toBeNull();
  });
});

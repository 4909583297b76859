import { beforeAll, describe, expect, it } from 'vitest';
import { testDrivers, useTestModel } from '../test/drivers.js';
import { users } from '../test/fixtures.js';
import { snapshotReads, statementsOf } from '../test/snapshot-reads.js';
import type { ChainRef } from './snapshot-chain.js';
import { xeroUsersOf, type SubjectXeroUser } from './subject-users.js';

const CONNECTIONS = 4;
const TENANTS = 3;
const SYNCS = 20;
const CHAINS = CONNECTIONS * TENANTS;
/**
 * A row per seek: each connection's first tenant, and per chain the next tenant, its newest (or
 * oldest) snapshot and that snapshot's row. Their history is SYNCS rows per chain.
 */
const FEW_ROWS = 3 * CHAINS + CONNECTIONS;

const connection = (c: number) => ({ namespace: 'finance', name: `org-${c}` });
const tenantNo = (i: number) => ({ tenantId: `tenant-${i}`, tenantName: `Organisation ${i}` });
const syncTime = (s: number) => new Date(Date.UTC(2026, 10, 1, s));
/** The last connection is deleted: its chains are evidence, still exported and pruned. */
const deleted = CONNECTIONS - 1;

describe.each(testDrivers)('chains found through the index on $dialect', (driver) => {
  const t = useTestModel(driver);
  const db = () => t.model.db;

  beforeAll(async () => {
    for (let s = 0; s < SYNCS; s++)
      for (let c = 0; c < CONNECTIONS; c++)
        for (let i = 0; i < TENANTS; i++)
          await db().snapshots.record(
            connection(c),
            tenantNo(i),
            users(['sam', 'ADMIN'], [`user-${s}`, 'STANDARD']),
            syncTime(s),
          );
    await db().connections.markDeleted(connection(deleted));
  });

  it("finds each chain's newest snapshot, deleted connections' too, without reading their history", async () => {
    const member = await db().staff.create({ email: 'sam@acme.test', name: 'Sam' });
    let found: SubjectXeroUser[] = [];
    const statements = await statementsOf(t.model, async () => {
      found = await xeroUsersOf(t.model.orm.em.fork(), member.id, 'sam@acme.test');
    });
    expect(found.map((u) => [u.userId, u.tiedBy])).toEqual([['sam', ['email']]]);
    const appearances = found[0]!.appearances.map((a) => ({
      chain: `${a.connection.name} ${a.tenantId}`,
      sequence: a.sequence,
      connected: a.connected,
    }));
    expect(appearances.sort((a, b) => (a.chain < b.chain ? -1 : 1))).toEqual(
      Array.from({ length: CHAINS }, (_, n) => ({
        chain: `org-${Math.floor(n / TENANTS)} tenant-${n % TENANTS}`,
        sequence: SYNCS,
        connected: Math.floor(n / TENANTS) !== deleted,
      })),
    );
    const reads = await snapshotReads(t.model, statements);
    expect(reads.whole).toEqual([]);
    if (reads.rows !== null) expect(reads.rows).toBeLessThanOrEqual(FEW_ROWS);
  });

  it('lists every chain, deleted connections included, without reading their history', async () => {
    let chains: ChainRef[] = [];
    const statements = await statementsOf(t.model, async () => {
      chains = await db().snapshots.chains();
    });
    expect(chains).toEqual(
      Array.from({ length: CHAINS }, (_, n) => ({
        connection: connection(Math.floor(n / TENANTS)),
        tenantId: `tenant-${n % TENANTS}`,
      })),
    );
    const reads = await snapshotReads(t.model, statements);
    expect(reads.whole).toEqual([]);
    if (reads.rows !== null) expect(reads.rows).toBeLessThanOrEqual(FEW_ROWS);
  });

  it('finds the chains to prune with a seek per chain, not by reading every old snapshot', async () => {
    const before = syncTime(5);
    const statements = await statementsOf(t.model, async () => {
      // Aborted: it finds the chains, then starts no batch.
      const found = await db().retention.pruneSnapshots(before, { signal: AbortSignal.abort() });
      expect(found).toEqual({ deleted: 0, contents: 0, state: 'stopped' });
    });
    expect(statements).toHaveLength(1);
    const reads = await snapshotReads(t.model, statements);
    expect(reads.whole).toEqual([]);
    if (reads.rows !== null) expect(reads.rows).toBeLessThanOrEqual(FEW_ROWS);
    // Every chain, the deleted connection's too, loses its five snapshots taken before.
    expect(await db().retention.pruneSnapshots(before)).toMatchObject({
      deleted: 5 * CHAINS,
      state: 'done',
    });
    expect(await db().retention.pruneSnapshots(before)).toEqual({
      deleted: 0,
      contents: 0,
      state: 'done',
    });
  });
});

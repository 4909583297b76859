import type { SqlEntityManager } from '@mikro-orm/knex';
import { Connection } from '../entities/connection.js';
import { Snapshot } from '../entities/snapshot.js';
import { withHeads } from './chain-scan.js';
import type { ConnectionRef } from './context.js';
import { listChains } from './snapshot-chain.js';

/**
 * What the connection rows say the database should hold and it does not: each chain verifies on
 * its own, so a chain deleted whole, or its newest snapshots, is found only against them.
 */
export interface ChainGap {
  connection: ConnectionRef;
  /** The tenant at fault; null when the connection has several chains and it cannot say which. */
  tenantId: string | null;
  /**
   * `chain-missing`: a tenant the connection lists (its last sync's tenants) has neither snapshots
   * nor a checkpoint. `behind-last-sync`: no snapshot of the connection is as new as its
   * `lastSyncAt` (set to the `takenAt` of the newest snapshot recorded, which retention keeps).
   */
  problem: 'chain-missing' | 'behind-last-sync';
  detail: string;
}

interface Head {
  tenantId: string;
  sequence: number;
  takenAt: Date;
}

/** Heads are read by id in batches of this many. */
const HEAD_BATCH = 500;

/** The newest snapshot of every chain, by connection id: found through the index (chain-scan.ts). */
async function headsByConnection(em: SqlEntityManager): Promise<Map<string, Head[]>> {
  const ids = (
    await em.execute<{ id: string }[]>(
      withHeads(em.getKnex(), 'all', 'id').select('id').from('head'),
    )
  ).map((h) => h.id);
  const heads = new Map<string, Head[]>();
  for (let i = 0; i < ids.length; i += HEAD_BATCH) {
    const found = await em.find(
      Snapshot,
      { id: { $in: ids.slice(i, i + HEAD_BATCH) } },
      { fields: ['tenantId', 'sequence', 'takenAt', 'connection'] },
    );
    for (const s of found) {
      const of = heads.get(s.connection.id) ?? [];
      of.push({ tenantId: s.tenantId, sequence: s.sequence, takenAt: s.takenAt });
      heads.set(s.connection.id, of);
    }
    em.clear();
  }
  return heads;
}

/**
 * Every gap between the connection rows (deleted connections' included) and the chains, by
 * `namespace/name` then tenant: a tenant listed without a chain, and a connection whose newest
 * snapshot is older than its last sync. Retention never deletes a chain's newest snapshot, so
 * either means snapshots were deleted by other means (or, for a listed tenant, that it has never
 * synced: its sync fails since it was added).
 */
export async function listChainGaps(em: SqlEntityManager): Promise<ChainGap[]> {
  const chains = new Set(
    (await listChains(em)).map(
      (c) => `${c.connection.namespace}/${c.connection.name}\u0000${c.tenantId}`,
    ),
  );
  const heads = await headsByConnection(em);
  const connections = (
    await em.find(Connection, {}, { fields: ['namespace', 'name', 'tenants', 'lastSyncAt'] })
  ).map((c) => ({ key: `${c.namespace}/${c.name}`, c }));
  // As listChains orders the chains: character by character, whatever the database's collation.
  connections.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const gaps: ChainGap[] = [];
  for (const { key, c } of connections) {
    const connection = { namespace: c.namespace, name: c.name };
    const listed = [...new Set(c.tenants.map((t) => t.tenantId))].sort();
    for (const tenantId of listed)
      if (!chains.has(`${key}\u0000${tenantId}`))
        gaps.push({
          connection,
          tenantId,
          problem: 'chain-missing',
          detail:
            'the connection lists this tenant, and it has no snapshots: its chain was deleted, or it has never synced',
        });
    const own = heads.get(c.id) ?? [];
    const newest = own.reduce<Head | undefined>(
      (a, h) => (a && a.takenAt >= h.takenAt ? a : h),
      undefined,
    );
    if (!c.lastSyncAt || (newest && newest.takenAt >= c.lastSyncAt)) continue;
    const lastSync = c.lastSyncAt.toISOString();
    gaps.push({
      connection,
      tenantId: own.length === 1 ? own[0]!.tenantId : null,
      problem: 'behind-last-sync',
      detail: newest
        ? `its newest snapshot (tenant ${newest.tenantId} sequence ${newest.sequence}, taken at ${newest.takenAt.toISOString()}) is older than the connection's last sync (${lastSync}): the snapshots after it were deleted`
        : `the connection synced last at ${lastSync} and has no snapshots: they were deleted`,
    });
  }
  return gaps;
}

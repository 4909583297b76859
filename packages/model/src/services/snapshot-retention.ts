import { LockMode } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/knex';
import { AccessReview } from '../entities/access-review.js';
import { Connection } from '../entities/connection.js';
import { Finding } from '../entities/finding.js';
import { SnapshotChainCheckpoint } from '../entities/snapshot-chain-checkpoint.js';
import { SnapshotContent } from '../entities/snapshot-content.js';
import { Snapshot } from '../entities/snapshot.js';
import { newId } from '../ids.js';
import { addAuditEntry } from './audit.js';
import { withChains } from './chain-scan.js';
import { connectionKey, type ServiceContext } from './context.js';
import { budgetSpent, type RetentionBudget, type RetentionState } from './retention-budget.js';

/** The audit entry of each checkpoint move (README, "Snapshot retention"). */
export const SNAPSHOT_PRUNE_AUDIT = {
  actor: 'system:retention',
  action: 'snapshot.prune',
  resourceType: 'snapshot-chain',
} as const;

/** The audit entry's resourceId for a tenant's chain: `namespace/name/tenantId`. */
export function snapshotChainResource(connection: string, tenantId: string): string {
  return `${connection}/${tenantId}`;
}

export interface SnapshotPruneResult {
  /** Snapshots deleted. */
  deleted: number;
  /** Snapshot contents deleted: no remaining snapshot had them. */
  contents: number;
  /** done: nothing more can go; time-up: `deadline` passed first; stopped: `signal` aborted. */
  state: RetentionState;
}

interface Chain {
  connectionId: string;
  tenantId: string;
}

/**
 * The sequence from which a tenant's chain must stay: its newest snapshot, the first taken at or
 * after `before`, and the first any access review (open or completed: the `restrict` foreign key
 * keeps a review's snapshot) or open or accepted finding refers to, whichever comes first. Only
 * snapshots before it go, so the chain that stays is whole from its checkpoint on.
 */
async function keptFrom(em: SqlEntityManager, chain: Chain, before: Date): Promise<number> {
  const where = { connection: chain.connectionId, tenantId: chain.tenantId };
  const referenced = new Set<string>();
  for (const r of await em.find(AccessReview, where, { fields: ['snapshot'] }))
    referenced.add(r.snapshot.id);
  const findings = await em
    .createQueryBuilder(Finding, 'f')
    .select('f.snapshot_id')
    .distinct()
    .where({ ...where, status: { $in: ['open', 'accepted'] }, snapshot: { $ne: null } })
    .execute<{ snapshot_id: string }[]>('all', false);
  for (const f of findings) referenced.add(f.snapshot_id);
  const first = (filter: object, order: 'asc' | 'desc' = 'asc') =>
    em.findOne(
      Snapshot,
      { ...where, ...filter },
      { orderBy: { sequence: order }, fields: ['sequence'] },
    );
  // One after another: the queries share the transaction's connection.
  const candidates = [
    await first({}, 'desc'),
    await first({ takenAt: { $gte: before } }),
    referenced.size ? await first({ id: { $in: [...referenced] } }) : null,
  ];
  return Math.min(...candidates.flatMap((s) => (s ? [s.sequence] : [])));
}

/** One batch of a chain's oldest prunable snapshots, in one transaction; 0 when none is left. */
async function pruneBatch(
  ctx: ServiceContext,
  chain: Chain,
  before: Date,
  batch: number,
): Promise<{ deleted: number; contents: number }> {
  return ctx.em().transactional(async (em) => {
    // The writers of this connection's chain and findings queue behind its row (PostgreSQL;
    // SQLite has one writer): no finding points at a snapshot between the check and the delete.
    const conn = await em.findOneOrFail(
      Connection,
      { id: chain.connectionId },
      ctx.dialect === 'postgresql' ? { lockMode: LockMode.PESSIMISTIC_WRITE } : {},
    );
    const floor = await keptFrom(em, chain, before);
    const where = { connection: chain.connectionId, tenantId: chain.tenantId };
    const doomed = await em.find(
      Snapshot,
      { ...where, sequence: { $lt: floor } },
      {
        orderBy: { sequence: 'asc' },
        limit: batch,
        fields: ['sequence', 'chainHash', 'takenAt', 'content'],
      },
    );
    if (doomed.length === 0) return { deleted: 0, contents: 0 };
    const last = doomed.at(-1)!;
    // `previous_id` restricts deleting a snapshot with a successor; the checkpoint takes over
    // the link (previousHash, which the hashes cover, stays as it was).
    await em.nativeUpdate(
      Snapshot,
      { ...where, sequence: { $gte: doomed[0]!.sequence, $lte: last.sequence + 1 } },
      { previous: null },
    );
    const deleted = await em.nativeDelete(Snapshot, { id: { $in: doomed.map((s) => s.id) } });
    const checkpoint = {
      sequence: last.sequence,
      chainHash: last.chainHash,
      takenAt: last.takenAt,
    };
    const now = ctx.clock();
    const existing = await em.findOne(SnapshotChainCheckpoint, where);
    if (existing) Object.assign(existing, checkpoint, { updatedAt: now });
    else
      em.create(SnapshotChainCheckpoint, { id: newId(), ...where, ...checkpoint, updatedAt: now });
    // Kept with the move, or neither: what ties a checkpoint to the prune that set it (README).
    const connection = connectionKey(conn);
    addAuditEntry(
      em,
      {
        ...SNAPSHOT_PRUNE_AUDIT,
        resourceId: snapshotChainResource(connection, chain.tenantId),
        details: {
          connection,
          tenantId: chain.tenantId,
          sequence: checkpoint.sequence,
          chainHash: checkpoint.chainHash,
          pruned: deleted,
        },
      },
      now,
    );
    const hashes = [...new Set(doomed.map((s) => s.content.hash))].sort();
    // Locked first (PostgreSQL): a sync of another connection that holds one (snapshots.ts,
    // storeContent) commits its snapshot before this reads which are used; one that comes after
    // finds it gone and stores it again. Sorted, so two prunes cannot deadlock.
    if (ctx.dialect === 'postgresql')
      await em
        .createQueryBuilder(SnapshotContent, 'c')
        .select('c.hash')
        .where({ hash: { $in: hashes } })
        .orderBy({ hash: 'asc' })
        .setLockMode(LockMode.PESSIMISTIC_WRITE)
        .execute('all', false);
    const used = new Set(
      (
        await em
          .createQueryBuilder(Snapshot, 's')
          .select('s.content_hash')
          .distinct()
          .where({ content: { $in: hashes } })
          .execute<{ content_hash: string }[]>('all', false)
      ).map((r) => r.content_hash),
    );
    const unused = hashes.filter((h) => !used.has(h));
    const contents = unused.length
      ? await em.nativeDelete(SnapshotContent, { hash: { $in: unused } })
      : 0;
    await em.flush();
    return { deleted, contents };
  });
}

/**
 * Deletes the snapshots taken before `before` that nothing needs any more (see `keptFrom`), with
 * the contents no remaining snapshot has, oldest first, a batch per transaction, until done,
 * `deadline` (epoch ms) passes or `signal` is aborted (checked before each batch). Each tenant's chain gets a checkpoint: the last pruned snapshot's
 * sequence and chainHash, from which it is verified.
 */
export async function pruneSnapshots(
  ctx: ServiceContext,
  before: Date,
  { batch, ...budget }: RetentionBudget & { batch: number },
): Promise<SnapshotPruneResult> {
  const em = ctx.em();
  const knex = em.getKnex();
  // Each chain whose oldest snapshot was taken before `before`: one seek per chain down
  // `snapshot_connection_tenant_taken_at_index`, not a read of every snapshot taken before (a set
  // that only grows: the snapshots reviews keep stay, and each sweep would read them again).
  const oldest = knex.raw(`(
    select s.taken_at from snapshot s
    where s.connection_id = chain.connection_id and s.tenant_id = chain.tenant_id
    order by s.taken_at limit 1
  )`);
  const chains = (
    await em.execute<{ connection_id: string; tenant_id: string }[]>(
      withChains(knex, 'all')
        .select('connection_id', 'tenant_id')
        .from('chain')
        .where(oldest, '<', em.getPlatform().processDateProperty(before)),
    )
  ).map((r) => ({ connectionId: r.connection_id, tenantId: r.tenant_id }));
  const result: SnapshotPruneResult = { deleted: 0, contents: 0, state: 'done' };
  for (const chain of chains) {
    for (;;) {
      const spent = budgetSpent(budget);
      if (spent) return { ...result, state: spent };
      const { deleted, contents } = await pruneBatch(ctx, chain, before, batch);
      result.deleted += deleted;
      result.contents += contents;
      if (deleted < batch) break;
    }
  }
  return result;
}

import type { EntityName, FilterQuery } from '@mikro-orm/core';
import { redactStoredWebhookTargets } from '../migrations/webhook-target-backfill.js';
import { AuditLogEntry } from '../entities/audit-log-entry.js';
import { WebhookDelivery } from '../entities/webhook-delivery.js';
import { assertValidDate } from '../errors.js';
import type { ServiceContext } from './context.js';
import { budgetSpent, type PruneResult, type RetentionBudget } from './retention-budget.js';
import { pruneSnapshots, type SnapshotPruneResult } from './snapshot-retention.js';

/** Rows deleted per statement: each batch is its own short transaction. */
export const RETENTION_BATCH = 500;

export type { PruneResult, RetentionBudget, RetentionState } from './retention-budget.js';

/**
 * Deletes what a retention limit no longer keeps, a batch at a time, oldest first. Nothing else in
 * the model refers to webhook deliveries or audit entries, and the audit log has no hash chain,
 * so deleting them breaks nothing; pruned snapshot chains are verified from a checkpoint.
 */
export class RetentionService {
  constructor(private readonly ctx: ServiceContext) {}

  /** Deliveries delivered or given up on, created before `before`; pending ones always stay. */
  pruneWebhookDeliveries(before: Date, budget: RetentionBudget = {}): Promise<PruneResult> {
    assertValidDate('before', before);
    return this.prune(
      WebhookDelivery,
      { status: { $in: ['delivered', 'failed'] }, createdAt: { $lt: before } },
      { createdAt: 'asc', id: 'asc' },
      budget,
    );
  }

  /**
   * Snapshots taken before `before` that nothing needs any more, oldest first per tenant, and the
   * contents left without a snapshot; each pruned chain gets a checkpoint to be verified from.
   * Kept: each tenant's newest snapshot, and every snapshot from the first that an access review
   * or an open or accepted finding refers to (README, "Snapshot retention").
   */
  pruneSnapshots(before: Date, budget: RetentionBudget = {}): Promise<SnapshotPruneResult> {
    assertValidDate('before', before);
    return pruneSnapshots(this.ctx, before, {
      ...budget,
      batch: budget.batch ?? RETENTION_BATCH,
    });
  }

  /**
   * Redacts the webhook targets stored in full (a previous version's leader may write them during
   * an upgrade, after the migration's backfill ran): the backfill's `redactStoredWebhookTargets`.
   */
  async redactWebhookTargets(budget: RetentionBudget = {}): Promise<PruneResult> {
    const { redacted, state } = await redactStoredWebhookTargets(
      () => this.ctx.em(),
      budget,
      budget.batch,
    );
    return { deleted: redacted, state };
  }

  /** Audit entries written before `before` (not at it), whatever their outcome. */
  pruneAuditLog(before: Date, budget: RetentionBudget = {}): Promise<PruneResult> {
    assertValidDate('before', before);
    return this.prune(AuditLogEntry, { at: { $lt: before } }, { at: 'asc', id: 'asc' }, budget);
  }

  private async prune<T extends { id: string }>(
    entity: EntityName<T>,
    where: FilterQuery<T>,
    orderBy: Record<string, 'asc'>,
    { batch = RETENTION_BATCH, ...budget }: RetentionBudget,
  ): Promise<PruneResult> {
    let deleted = 0;
    for (;;) {
      const spent = budgetSpent(budget);
      if (spent) return { deleted, state: spent };
      const em = this.ctx.em();
      const rows = await em.find(entity, where, {
        fields: ['id'] as never,
        orderBy: orderBy as never,
        limit: batch,
      });
      if (rows.length === 0) return { deleted, state: 'done' };
      // The condition again: a row that changed since it was read (a delivery retried) stays.
      deleted += await em.nativeDelete(entity, {
        $and: [{ id: { $in: rows.map((r) => r.id) } }, where],
      } as FilterQuery<T>);
      if (rows.length < batch) return { deleted, state: 'done' };
    }
  }
}

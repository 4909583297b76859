import {
  withDatabase,
  type Database,
  type DatabaseUser,
  type PruneResult,
  type RetentionBudget,
} from '@xero-access/model';
import type { Logger } from '../logging/logger.js';
import type { ReconcilerMetrics } from '../metrics/metrics.js';

/** How long each kind of row is kept, in ms; undefined keeps it forever. */
export interface RetentionLimits {
  webhookDeliveriesMs?: number;
  auditLogMs?: number;
  snapshotsMs?: number;
}

/** What one run may spend: the rest is deleted by the next run. */
export const RETENTION_RUN_BUDGET_MS = 60_000;

export type RetentionKind = 'webhook_deliveries' | 'audit_log' | 'snapshots' | 'snapshot_contents';

export interface RetentionSweepOptions {
  db: Database;
  database: DatabaseUser;
  /** Whether this replica leads: only the leader sweeps. */
  isLeader(): boolean;
  limits: RetentionLimits;
  metrics: ReconcilerMetrics;
  logger: Logger;
  budgetMs?: number;
}

interface Rule {
  kind: RetentionKind;
  limitMs: number | undefined;
  /** What it deleted by kind (a snapshot prune deletes contents too). */
  prune(
    before: Date,
    budget: RetentionBudget,
  ): Promise<{ deleted: Partial<Record<RetentionKind, number>>; state: PruneResult['state'] }>;
}

const counted =
  (kind: RetentionKind) =>
  ({ deleted, state }: PruneResult) => ({ deleted: { [kind]: deleted }, state });

/**
 * Deletes rows older than their retention limit (delivered or undeliverable webhook deliveries,
 * audit log entries, snapshots nothing refers to: see the model's `retention.pruneSnapshots`), in
 * bounded batches within a time budget per run; what is left goes at the
 * next run. Each kind is swept on its own: one the database refuses does not hold up the others.
 */
export class RetentionSweep {
  private running: Promise<void> | undefined;
  private readonly rules: Rule[];

  constructor(private readonly options: RetentionSweepOptions) {
    const { db, limits } = options;
    this.rules = [
      {
        kind: 'webhook_deliveries',
        limitMs: limits.webhookDeliveriesMs,
        prune: (before, budget) =>
          db.retention.pruneWebhookDeliveries(before, budget).then(counted('webhook_deliveries')),
      },
      {
        kind: 'audit_log',
        limitMs: limits.auditLogMs,
        prune: (before, budget) =>
          db.retention.pruneAuditLog(before, budget).then(counted('audit_log')),
      },
      {
        kind: 'snapshots',
        limitMs: limits.snapshotsMs,
        prune: async (before, budget) => {
          const { deleted, contents, state } = await db.retention.pruneSnapshots(before, budget);
          return { deleted: { snapshots: deleted, snapshot_contents: contents }, state };
        },
      },
    ];
  }

  /** One sweep, unless one is still running. */
  tick(): Promise<void> {
    this.running ??= this.sweep()
      .then(() => undefined)
      .catch((error: unknown) =>
        this.options.logger.warn({ err: error }, 'retention sweep failed; the next one retries'),
      )
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  /** Settles once a sweep in progress has finished (shutdown). */
  async idle(): Promise<void> {
    await this.running;
  }

  /** Rows deleted by kind; undefined on a standby, which leaves it to the leader. */
  async sweep(now = new Date()): Promise<Partial<Record<RetentionKind, number>> | undefined> {
    const { database, logger, metrics } = this.options;
    if (!this.options.isLeader()) return undefined;
    const deadline = Date.now() + (this.options.budgetMs ?? RETENTION_RUN_BUDGET_MS);
    const deleted: Partial<Record<RetentionKind, number>> = {};
    for (const { kind, limitMs, prune } of this.rules) {
      if (limitMs === undefined || !this.options.isLeader()) continue;
      const before = new Date(now.getTime() - limitMs);
      try {
        const result = await withDatabase(database, () => prune(before, { deadline }));
        for (const [rowKind, rows] of Object.entries(result.deleted) as [RetentionKind, number][]) {
          deleted[rowKind] = rows;
          metrics.retentionDeleted.inc({ kind: rowKind }, rows);
        }
        if (Object.values(result.deleted).some((rows) => rows > 0) || result.state === 'time-up')
          logger.info(
            { kind, deleted: result.deleted, before: before.toISOString(), state: result.state },
            result.state === 'done'
              ? 'deleted rows past their retention limit'
              : 'deleted rows past their retention limit; the next sweep deletes the rest',
          );
      } catch (error) {
        logger.warn(
          { kind, err: error },
          'could not delete rows past their retention limit; the next sweep retries',
        );
      }
    }
    return deleted;
  }
}

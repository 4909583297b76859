import {
  withDatabase,
  type Database,
  type DatabaseUser,
  type PruneResult,
  type RetentionBudget,
} from '@xero-access/model';
import { LeaderSweep } from '../leader/leader-sweep.js';
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

export type RetentionKind =
  | 'webhook_deliveries'
  | 'audit_log'
  | 'snapshots'
  | 'snapshot_contents'
  | 'webhook_targets_redacted';

export interface RetentionSweepOptions {
  db: Database;
  database: DatabaseUser;
  /** The term's signal while this replica leads (`Operator.leadership`): only the leader sweeps. */
  leadership(): AbortSignal | undefined;
  limits: RetentionLimits;
  metrics: ReconcilerMetrics;
  logger: Logger;
  budgetMs?: number;
  /** Rows a batch deletes (the model's RETENTION_BATCH unless set). */
  batch?: number;
}

interface Rule {
  kind: RetentionKind;
  /** How long rows are kept; undefined keeps them forever, null: no limit, always run. */
  limitMs: number | undefined | null;
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
 * It also redacts webhook targets a previous version's leader stored in full during an upgrade
 * (after the migration's backfill). It stops before the next batch once leadership ends or the
 * reconciler stops (`LeaderSweep`).
 */
export class RetentionSweep {
  private readonly rules: Rule[];
  private readonly leader: LeaderSweep<Partial<Record<RetentionKind, number>>>;

  constructor(private readonly options: RetentionSweepOptions) {
    const { db, limits } = options;
    this.leader = new LeaderSweep({
      leadership: options.leadership,
      work: (signal, now) => this.sweepAll(signal, now),
      failed: 'retention sweep failed; the next one retries',
      logger: options.logger,
    });
    this.rules = [
      {
        kind: 'webhook_targets_redacted',
        limitMs: null,
        prune: (_before, budget) =>
          db.retention.redactWebhookTargets(budget).then(counted('webhook_targets_redacted')),
      },
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

  /** The sweeps the reconciler schedules (retention.module.ts). */
  get scheduled(): LeaderSweep<unknown> {
    return this.leader;
  }

  /** Rows deleted by kind; undefined on a standby, which leaves it to the leader. */
  sweep(now = new Date()): Promise<Partial<Record<RetentionKind, number>> | undefined> {
    return this.leader.run(now);
  }

  private async sweepAll(
    signal: AbortSignal,
    now: Date,
  ): Promise<Partial<Record<RetentionKind, number>>> {
    const { database, logger, metrics, batch } = this.options;
    const deadline = Date.now() + (this.options.budgetMs ?? RETENTION_RUN_BUDGET_MS);
    const deleted: Partial<Record<RetentionKind, number>> = {};
    for (const { kind, limitMs, prune } of this.rules) {
      if (limitMs === undefined || signal.aborted) continue;
      const before = new Date(now.getTime() - (limitMs ?? 0));
      try {
        const result = await withDatabase(database, () =>
          prune(before, { deadline, signal, ...(batch !== undefined && { batch }) }),
        );
        for (const [rowKind, rows] of Object.entries(result.deleted) as [RetentionKind, number][]) {
          deleted[rowKind] = rows;
          metrics.retentionDeleted.inc({ kind: rowKind }, rows);
        }
        if (Object.values(result.deleted).some((rows) => rows > 0) || result.state !== 'done')
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

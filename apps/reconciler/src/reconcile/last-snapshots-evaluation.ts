import type { XeroConnection } from '@xero-access/crd';
import { connectionKey, type ConnectionRef, type FindingTransition } from '@xero-access/model';
import { evaluateAndApply } from '../findings/evaluate-and-apply.js';
import { openFindingSeries } from '../findings/open-findings.js';
import type { ConnectionReconcilerDeps } from './connection-reconciler.js';
import type { ClassifiedFailure } from './failure-classifier.js';
import type { EffectiveSpec } from './spec-defaults.js';
import type { SyncDeadline } from './sync-deadline.js';

/** What the checks found on the last snapshots of a sync that recorded nothing. */
export interface LastSnapshotsEvaluation {
  transitions: FindingTransition[];
  openByCheck: Record<string, number>;
  /** Open findings by check and severity, for the metrics. */
  openSeries: Map<string, number>;
  /** The policy's earliest `reevaluate_at` over them: the retry comes no later. */
  reevaluateAt: Date | null;
}

/**
 * A sync that recorded nothing (authentication failed, or every organisation did): the last
 * snapshot of each organisation the connection monitors is evaluated against the staff directory
 * and links as they are now, as a failed organisation's is in a partial sync. A member offboarded
 * since, whom it shows with access, becomes a finding now rather than once Xero answers again. It
 * opens and refreshes findings, never resolves any: its users are not today's.
 *
 * Best effort: undefined when there is no snapshot to evaluate, the database is what failed, or
 * the evaluation fails (logged): the sync's own failure is what the status reports.
 */
export async function evaluateLastSnapshots(
  deps: ConnectionReconcilerDeps,
  connection: XeroConnection,
  spec: EffectiveSpec,
  ref: ConnectionRef,
  failure: ClassifiedFailure,
  now: Date,
  fenced: AbortSignal,
  deadline: SyncDeadline,
): Promise<LastSnapshotsEvaluation | undefined> {
  if (failure.reason === 'DatabaseUnavailable') return undefined;
  try {
    const snapshotIds = await lastSnapshotIds(deps, spec, ref);
    if (snapshotIds.length === 0) return undefined;
    const snapshots = snapshotIds.map((snapshotId) => ({ snapshotId, fetchedNow: false }));
    const { applied, reevaluateAt } = await evaluateAndApply(
      deps,
      connection,
      spec,
      ref,
      snapshots,
      now,
      fenced,
      deadline,
    );
    // Another replica applied a later sync of every organisation: its findings stand.
    if (applied.stale.length === snapshots.length) return undefined;
    return {
      transitions: applied.transitions,
      openByCheck: applied.openByCheck,
      openSeries: await openFindingSeries(deps.db, ref),
      reevaluateAt,
    };
  } catch (error) {
    fenced.throwIfAborted();
    deps.logger.warn(
      { connection: connectionKey(ref), err: error },
      'could not evaluate the last snapshots of a connection whose sync failed; the next sync tries again',
    );
    return undefined;
  }
}

/** The latest snapshot of each organisation the connection row lists (spec.tenantId's alone, when set). */
async function lastSnapshotIds(
  deps: ConnectionReconcilerDeps,
  spec: EffectiveSpec,
  ref: ConnectionRef,
): Promise<string[]> {
  const row = await deps.db.connections.get(ref);
  const wanted = spec.tenantId?.toLowerCase();
  const ids: string[] = [];
  for (const { tenantId } of row?.tenants ?? []) {
    if (wanted && tenantId.toLowerCase() !== wanted) continue;
    const last = await deps.db.snapshots.latest(ref, tenantId);
    if (last) ids.push(last.id);
  }
  return ids;
}

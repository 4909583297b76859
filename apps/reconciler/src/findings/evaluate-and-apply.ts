import type { XeroConnection } from '@xero-access/crd';
import { withDatabase, type ConnectionRef } from '@xero-access/model';
import { connectionAlerts } from '../alerts/connection-alerts.js';
import { evaluateSnapshot } from '../evaluate/evaluate-snapshot.js';
import type { ConnectionReconcilerDeps } from '../reconcile/connection-reconciler.js';
import { earliestDeadline } from '../reconcile/next-sync.js';
import type { EffectiveSpec } from '../reconcile/spec-defaults.js';
import type { SyncDeadline } from '../reconcile/sync-deadline.js';
import { applyFindings, type AppliedFindings, type SnapshotEvaluation } from './apply-findings.js';

/** A snapshot to run the checks on, and whether this sync fetched it (else it resolves nothing). */
export interface SnapshotToEvaluate {
  snapshotId: string;
  fetchedNow: boolean;
}

export interface EvaluatedSnapshots {
  applied: AppliedFindings;
  /** The policy's earliest `reevaluate_at` over the snapshots (e.g. a grace period's end). */
  reevaluateAt: Date | null;
  /** The namespace's alerts Secret cannot be used (its alerts undeliverable): what to say about it. */
  invalidAlertTarget?: string;
}

/**
 * The checks on each snapshot, against the staff directory and links as they are now, then the
 * findings applied with their alerts in one transaction, and the webhook sender woken. Database
 * outages become DatabaseUnavailable (retried); only fencing stops it, before the write.
 */
export async function evaluateAndApply(
  deps: ConnectionReconcilerDeps,
  connection: XeroConnection,
  spec: EffectiveSpec,
  ref: ConnectionRef,
  snapshots: readonly SnapshotToEvaluate[],
  now: Date,
  fenced: AbortSignal,
  deadline: SyncDeadline,
): Promise<EvaluatedSnapshots> {
  const database = <T>(call: () => Promise<T>): Promise<T> =>
    withDatabase(deps.settings.database, call);
  const { offboardingGraceHours } = deps.settings;
  const perSnapshot: SnapshotEvaluation[] = [];
  const reevaluateAts: (Date | null)[] = [];
  for (const { snapshotId, fetchedNow } of snapshots) {
    const evaluation = await database(() =>
      evaluateSnapshot(deps.db, deps.evaluator, ref, spec, snapshotId, offboardingGraceHours, now),
    );
    perSnapshot.push({
      snapshotId,
      findings: evaluation.findings,
      evaluatedBy: {
        policy: evaluation.policy,
        generation: connection.metadata?.generation ?? null,
        offboardingGraceHours,
      },
      fetchedNow,
    });
    reevaluateAts.push(evaluation.reevaluateAt);
  }
  // The targets first: the alerts are written with the findings, in one transaction. An unusable
  // alerts Secret holds nothing up (alerts/connection-alerts.ts).
  const { targets } = deps.alerts ?? {};
  const alerts = await connectionAlerts(targets, deps.events, connection, deadline.finishing());
  fenced.throwIfAborted();
  const applied = await database(() =>
    applyFindings(deps.db, ref, perSnapshot, now, alerts.findingAlerts),
  );
  if (alerts.findingAlerts && applied.transitions.length > 0) deps.alerts!.sender.kick();
  return {
    applied,
    reevaluateAt: earliestDeadline(reevaluateAts),
    ...(alerts.invalidTarget ? { invalidAlertTarget: alerts.invalidTarget } : {}),
  };
}

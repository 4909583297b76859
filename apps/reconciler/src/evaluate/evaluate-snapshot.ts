import type { ConnectionRef, Database, ReportedFinding } from '@xero-access/model';
import { nextOffboardingGraceEnd } from '@xero-access/policies';
import type { EffectiveSpec } from '../reconcile/spec-defaults.js';
import type { PolicyEvaluator } from './policy-evaluator.js';
import { buildPolicyInput } from './policy-input.js';

export interface SnapshotEvaluation {
  findings: ReportedFinding[];
  /** The earliest offboarding grace period still running ends then: evaluate again just after. */
  nextOffboardingGraceEnd: Date | null;
}

/** Policy input from the snapshot, staff directory, account links and spec; then the checks. */
export async function evaluateSnapshot(
  db: Database,
  evaluator: PolicyEvaluator,
  ref: ConnectionRef,
  spec: EffectiveSpec,
  snapshotId: string,
  offboardingGraceHours: number,
  now: Date,
): Promise<SnapshotEvaluation> {
  const context = await db.evaluationContext(snapshotId);
  if (!context) throw new Error(`snapshot ${snapshotId} disappeared before evaluation`);
  const input = buildPolicyInput({
    namespace: ref.namespace,
    name: ref.name,
    spec,
    context,
    offboardingGraceHours,
    now,
  });
  const { findings } = await evaluator.evaluate(input);
  return { findings, nextOffboardingGraceEnd: nextOffboardingGraceEnd(input) };
}

import type { ConnectionRef, Database } from '@xero-access/model';
import type { EffectiveSpec } from '../reconcile/spec-defaults.js';
import type { PolicyEvaluation, PolicyEvaluator } from './policy-evaluator.js';
import { buildPolicyInput } from './policy-input.js';

/** Policy input from the snapshot, staff directory, account links and spec; then the checks. */
export async function evaluateSnapshot(
  db: Database,
  evaluator: PolicyEvaluator,
  ref: ConnectionRef,
  spec: EffectiveSpec,
  snapshotId: string,
  offboardingGraceHours: number,
  now: Date,
): Promise<PolicyEvaluation> {
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
  return evaluator.evaluate(input);
}

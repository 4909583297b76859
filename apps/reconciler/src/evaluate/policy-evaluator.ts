import type { ReportedFinding } from '@xero-access/model';
import type { PolicyInput } from './policy-input.js';

/** What the checks found for one tenant's snapshot, and when they may find otherwise. */
export interface PolicyEvaluation {
  findings: ReportedFinding[];
  /**
   * The policy's earliest `reevaluate_at` (any check's): from just after it, evaluating the same
   * input may report other findings (e.g. an offboarding grace period ends). Null: not before
   * something else changes.
   */
  reevaluateAt: Date | null;
  /** The bundle that evaluated: its manifest revision (null: none) and the file's sha256. */
  policy: { revision: string | null; sha256: string };
}

/** Evaluates the access checks for one tenant's snapshot. */
export interface PolicyEvaluator {
  evaluate(input: PolicyInput): Promise<PolicyEvaluation>;
  close?(): Promise<void>;
}

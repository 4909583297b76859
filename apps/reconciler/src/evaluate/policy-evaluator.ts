import type { ReportedFinding } from '@xero-access/model';
import type { PolicyInput } from './policy-input.js';

/** Evaluates the access checks for one tenant's snapshot. */
export interface PolicyEvaluator {
  evaluate(input: PolicyInput): Promise<{ findings: ReportedFinding[] }>;
  close?(): Promise<void>;
}

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { findTool, repoRoot } from '@xero-access/local-cluster';
import type { Logger } from '../logging/logger.js';
import { OpaCliEvaluator } from './opa-cli-evaluator.js';
import type { PolicyEvaluator } from './policy-evaluator.js';

/** The evaluator for POLICY_BUNDLE_PATH, or the repository's Rego sources when none is given. */
export async function createPolicyEvaluator(
  bundlePath: string | undefined,
  logger: Logger,
): Promise<PolicyEvaluator> {
  const rego = join(repoRoot(), 'packages', 'policies', 'policies');
  if (bundlePath)
    logger.warn(
      { bundlePath },
      'WASM bundles are not wired yet: evaluating the Rego sources with the OPA CLI',
    );
  if (!existsSync(rego)) throw new Error(`policies: no Rego sources at ${rego}`);
  return new OpaCliEvaluator(findTool('opa'), rego);
}

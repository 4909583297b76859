import {
  BUILT_POLICY_BUNDLE,
  HotReloadingEvaluator,
  type LoadedBundle,
} from '@xero-access/policies';
import type { Logger } from '../logging/logger.js';
import type { ReconcilerMetrics } from '../metrics/metrics.js';
import type { PolicyEvaluator } from './policy-evaluator.js';

/**
 * The WASM checks of packages/policies, following the bundle file (POLICY_BUNDLE_PATH, e.g. a
 * ConfigMap mount; the four built-in checks when unset): a changed bundle is smoke-tested and
 * swapped in; a broken one is reported and the last good one stays in use.
 */
export async function createPolicyEvaluator(
  bundlePath: string | undefined,
  logger: Logger,
  metrics: ReconcilerMetrics,
  options: { pollIntervalMs?: number } = {},
): Promise<PolicyEvaluator> {
  const path = bundlePath ?? BUILT_POLICY_BUNDLE;
  const source = bundlePath ?? 'built-in';
  const inUse = ({ path: file, sha256, revision, warnings }: LoadedBundle) => {
    metrics.policyBundleInfo.reset();
    metrics.policyBundleInfo.set({ sha256, revision: revision ?? '', source }, 1);
    // A custom bundle is not rebuilt by an upgrade: it keeps the checks of the version that built it.
    if (warnings.length > 0)
      logger.warn(
        { bundle: file, sha256, revision, warnings },
        'policy bundle out of date: rebuild it with this version of @xero-access/policies',
      );
  };
  const hot = await HotReloadingEvaluator.start(path, { intervalMs: options.pollIntervalMs });
  const { sha256, revision } = hot.loaded;
  logger.info({ bundle: path, sha256, revision }, 'policy bundle loaded');
  inUse(hot.loaded);
  metrics.policyBundleRefused.set(0);
  hot.on('loaded', (bundle) => {
    metrics.policyBundleRefused.set(0);
    logger.info(
      { bundle: bundle.path, sha256: bundle.sha256, revision: bundle.revision },
      'policy bundle reloaded',
    );
    inUse(bundle);
  });
  hot.on('failed', (failure) => {
    // The chart's PrometheusRule alerts on it: a log line alone is easy to miss.
    metrics.policyBundleRefused.set(1);
    logger.error(
      { bundle: failure.path, error: failure.error },
      'new policy bundle refused: keeping the last good one',
    );
  });
  return {
    evaluate: async (input) => {
      // Read with the evaluation, in one turn: a reload swaps both at once.
      const { sha256, revision } = hot.loaded;
      const { output, reevaluateAt } = hot.evaluateWithReevaluation(input);
      return {
        findings: output.findings,
        reevaluateAt,
        policy: { revision: revision ?? null, sha256 },
      };
    },
    close: async () => hot.close(),
  };
}

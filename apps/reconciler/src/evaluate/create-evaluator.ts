import { BUILT_POLICY_WASM, HotReloadingEvaluator } from '@xero-access/policies';
import type { Logger } from '../logging/logger.js';
import type { PolicyEvaluator } from './policy-evaluator.js';

/**
 * The WASM checks of packages/policies, following the bundle file (POLICY_BUNDLE_PATH, e.g. a
 * ConfigMap mount; the four built-in checks when unset): a changed bundle is smoke-tested and
 * swapped in; a broken one is reported and the last good one stays in use.
 */
export async function createPolicyEvaluator(
  bundlePath: string | undefined,
  logger: Logger,
): Promise<PolicyEvaluator> {
  const path = bundlePath ?? BUILT_POLICY_WASM;
  const hot = await HotReloadingEvaluator.start(path);
  logger.info({ bundle: path, sha256: hot.loaded.sha256 }, 'policy bundle loaded');
  hot.on('loaded', (bundle) =>
    logger.info({ bundle: bundle.path, sha256: bundle.sha256 }, 'policy bundle reloaded'),
  );
  hot.on('failed', (failure) =>
    logger.error(
      { bundle: failure.path, error: failure.error },
      'new policy bundle refused: keeping the last good one',
    ),
  );
  return {
    evaluate: async (input) => hot.evaluate(input),
    close: async () => hot.close(),
  };
}

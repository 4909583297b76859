import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { CONFIG, LOGGER, METRICS, POLICY_EVALUATOR } from '../app/tokens.js';
import type { ReconcilerConfig } from '../config/config.js';
import type { Logger } from '../logging/logger.js';
import type { ReconcilerMetrics } from '../metrics/metrics.js';
import { createPolicyEvaluator } from './create-evaluator.js';
import type { PolicyEvaluator } from './policy-evaluator.js';

/** The access checks (packages/policies WASM bundle, hot-reloaded when POLICY_BUNDLE_PATH changes). */
@Global()
@Module({
  providers: [
    {
      provide: POLICY_EVALUATOR,
      inject: [CONFIG, LOGGER, METRICS],
      useFactory: (config: ReconcilerConfig, logger: Logger, metrics: ReconcilerMetrics) =>
        createPolicyEvaluator(
          config.policyBundlePath,
          logger.child({ component: 'policies' }),
          metrics,
        ),
    },
  ],
  exports: [POLICY_EVALUATOR],
})
export class EvaluateModule implements OnApplicationShutdown {
  constructor(@Inject(POLICY_EVALUATOR) private readonly evaluator: PolicyEvaluator) {}

  async onApplicationShutdown(): Promise<void> {
    await this.evaluator.close?.();
  }
}

import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { CONFIG, LOGGER, POLICY_EVALUATOR } from '../app/tokens.js';
import type { ReconcilerConfig } from '../config/config.js';
import type { Logger } from '../logging/logger.js';
import { createPolicyEvaluator } from './create-evaluator.js';
import type { PolicyEvaluator } from './policy-evaluator.js';

/** The access checks (packages/policies WASM bundle, hot-reloaded when POLICY_BUNDLE_PATH changes). */
@Global()
@Module({
  providers: [
    {
      provide: POLICY_EVALUATOR,
      inject: [CONFIG, LOGGER],
      useFactory: (config: ReconcilerConfig, logger: Logger) =>
        createPolicyEvaluator(config.policyBundlePath, logger.child({ component: 'policies' })),
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

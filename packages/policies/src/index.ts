import { fileURLToPath } from 'node:url';

export type * from './generated/policy-input.js';
export type * from './generated/policy-output.js';
export {
  assertPolicyInput,
  assertPolicyOutput,
  PolicyDocumentError,
  type FieldProblem,
} from './schema/validate.js';
export {
  DEFAULT_MAX_OUTPUT_MIB,
  ENTRYPOINT,
  EVALUATION_ENTRYPOINT,
  UNSORTED_ENTRYPOINT,
  PolicyEvaluator,
  type EvaluatorOptions,
  type PolicyEvaluation,
} from './evaluator.js';
export { PolicyBundleError } from './bundle-error.js';
export { BUILT_IN_CHECKS } from './canary.js';
export { defaultCanaryTimeoutMs, defaultMaxMemoryMiB } from './limits.js';
export {
  HotReloadingEvaluator,
  type HotReloadEvents,
  type HotReloadOptions,
  type LoadedBundle,
  type ReloadFailure,
} from './hot-reload.js';
export { readPolicyBundle, readPolicyWasm, type PolicyBundle } from './wasm/read-bundle.js';
export { bundleWarnings, POLICIES_VERSION } from './bundle-warnings.js';

/** The bundle built with this package (the four checks): `dist/policy.wasm`. */
export const BUILT_POLICY_WASM = fileURLToPath(new URL('./policy.wasm', import.meta.url));

/** The same checks as the bundle they were built into, with its manifest (revision): `dist/bundle.tar.gz`. */
export const BUILT_POLICY_BUNDLE = fileURLToPath(new URL('./bundle.tar.gz', import.meta.url));

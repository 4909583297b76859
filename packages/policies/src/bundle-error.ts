/**
 * A bundle refused for what it holds (not a module or bundle, no entrypoint, data that does not
 * parse, a canary evaluation that fails, loops or grows without end, built-in checks missing):
 * loading the same bytes again gives the same answer. Anything else thrown while loading one
 * (WebAssembly memory that could not be allocated, a worker that could not start, the canary input
 * unreadable) may pass when tried again.
 */
export class PolicyBundleError extends Error {
  override name = 'PolicyBundleError';
}

import { createRequire } from 'node:module';
import { EVALUATION_ENTRYPOINT } from './evaluator.js';

/** This package's version (src/ and dist/ sit at the same depth): the revision `xero-policies build` gives a bundle. */
export const POLICIES_VERSION = (
  createRequire(import.meta.url)('../package.json') as { version: string }
).version;

/** A manifest revision that looks like a version was taken to be the one of the package that built it. */
const VERSION = /^v?\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]+)?$/;

/**
 * Why a bundle that loads and passes the canary may still not be what this version of the
 * package evaluates as intended; empty when nothing is wrong. A custom bundle holds the built-in
 * checks of the package version that built it, and is not rebuilt by an upgrade.
 * - It lacks EVALUATION_ENTRYPOINT (built before it existed, or by hand without it): no check's
 *   `reevaluate_at` is read, so findings that change with time alone wait for the next sync.
 * - Its manifest revision is a version other than `version`: `xero-policies build` of another
 *   version built it. A revision that is no version (a hand build's `opa build --revision`) or
 *   none (a bare policy.wasm) says nothing of that.
 */
export function bundleWarnings(
  source: string,
  bundle: { revision: string | undefined; hasEvaluation: boolean },
  version: string = POLICIES_VERSION,
): string[] {
  const rebuild = `rebuild it with \`xero-policies build\` of @xero-access/policies ${version}`;
  const warnings: string[] = [];
  if (bundle.revision !== undefined && VERSION.test(bundle.revision) && bundle.revision !== version)
    warnings.push(
      `${source}: built by @xero-access/policies ${bundle.revision} (its manifest revision), not ${version}, ` +
        `so its built-in checks are those of ${bundle.revision}; ${rebuild}`,
    );
  if (!bundle.hasEvaluation)
    warnings.push(
      `${source}: no entrypoint ${EVALUATION_ENTRYPOINT} (built before it existed, or without it): ` +
        `no check's reevaluate_at is read, so findings that change with time alone (an offboarding grace period ending) wait for the next sync; ${rebuild}`,
    );
  return warnings;
}

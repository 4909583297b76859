import type { ChainVerification } from '../hashing/snapshot-hash.js';
import { EXIT_CHECK_FAILED } from './exit-codes.js';

/**
 * Prints a verification on stdout for `<cli> verify-chain`; exit code 1 when the chain is broken.
 * An empty chain proves nothing (e.g. a mistyped --tenant): a failure naming `chain`, never ok.
 */
export function reportChainVerification(
  result: ChainVerification,
  chain: string,
  cli: string,
): void {
  if (result.length === 0) {
    process.stderr.write(`${cli}: ${chain} holds no snapshots: nothing to verify\n`);
    process.exitCode = EXIT_CHECK_FAILED;
    return;
  }
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  if (!result.ok) process.exitCode = EXIT_CHECK_FAILED;
}

import type { CommanderError } from 'commander';

/**
 * Every CLI's exit code for a bad command line: an unknown command or option, a missing or invalid
 * argument (an option parser's InvalidArgumentError), no command at all.
 */
export const EXIT_USAGE = 2;

/**
 * For `program.exitOverride(exitOnUsageError)`, before the commands are added (they inherit it).
 * Commander's own exit code for a usage error is 1, which each CLI keeps for its own failure (a
 * broken chain, a failed test, a control plane that is not running), so a script can tell a typo
 * from a result. Help stays 0.
 */
export function exitOnUsageError(error: CommanderError): never {
  process.exit(error.exitCode === 0 ? 0 : EXIT_USAGE);
}

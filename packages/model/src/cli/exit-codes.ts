import type { CommanderError } from 'commander';

/** The CLIs' (xao-model, admin-api) exit code when what they verified failed: a broken or empty chain. */
export const EXIT_CHECK_FAILED = 1;
/** Their exit code on an error: a usage error, an unreadable or malformed file, the database. */
export const EXIT_ERROR = 2;

/**
 * For `program.exitOverride`, before the commands are added (they inherit it): commander's own
 * code for a bad command, option or argument is 1, which here says a chain is broken. Help stays 0.
 */
export function exitOnUsageError(error: CommanderError): never {
  process.exit(error.exitCode === 0 ? 0 : EXIT_ERROR);
}

import { EXIT_USAGE } from '@xero-access/cli-exit';

/** The CLIs' (xao-model, admin-api) exit code when what they verified failed: a broken or empty chain. */
export const EXIT_CHECK_FAILED = 1;
/** Their exit code on an error: a usage error, an unreadable or malformed file, the database. */
export const EXIT_ERROR = EXIT_USAGE;

/**
 * For `program.exitOverride`, before the commands are added (they inherit it): a bad command,
 * option or argument exits 2 (commander's own 1 would say a chain is broken). Help stays 0. The
 * one shared by every CLI of the repository (`@xero-access/cli-exit`).
 */
export { exitOnUsageError } from '@xero-access/cli-exit';

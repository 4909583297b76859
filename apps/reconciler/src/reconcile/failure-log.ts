import type { Logger } from '../logging/logger.js';
import { wasLogged } from '@xero-access/model';
import { unexpectedErrorFields, type ClassifiedFailure } from './failure-classifier.js';
import type { TenantFailure } from './sync-outcome.js';

/**
 * One `warn` line for a failed reconcile (or a step of one): `fields`, the failure's `reason` and
 * `message`, and `err` when the classifier could not name it (unexpectedErrorFields: a bug, a
 * database error that is no outage, whose status message says "the reconciler log has the
 * details"). Nothing when the error was logged where it arose (markLogged: a rotated token set
 * not stored), so a failure is one line.
 */
export function logFailure(
  logger: Logger,
  msg: string,
  fields: Record<string, unknown>,
  cause: unknown,
  failure: ClassifiedFailure,
): void {
  if (wasLogged(cause)) return;
  logger.warn(
    {
      ...fields,
      reason: failure.reason,
      message: failure.message,
      ...unexpectedErrorFields(cause, failure),
    },
    msg,
  );
}

/** The organisations a partial sync could not fetch: a line each, with `tenantId` (and `err`, as logFailure). */
export function logTenantFailures(
  logger: Logger,
  connection: string,
  failed: readonly TenantFailure[],
): void {
  for (const { tenant, failure, error } of failed) {
    logger.warn(
      {
        connection,
        tenantId: tenant.tenantId,
        ...failure,
        ...unexpectedErrorFields(error, failure),
      },
      'organisation not synced; the others are recorded',
    );
  }
}

import { NOT_ATTEMPTED } from '../sync/not-attempted.js';
import type { ClassifiedFailure } from './failure-classifier.js';
import type { TenantFailure } from './sync-outcome.js';

/** Failed organisations named one by one in a message; the rest are counted (status.tenants has each). */
const NAMED_FAILURES = 5;

/**
 * Every organisation of the sync failed: nothing to record. Its failure is the one organisation's
 * failure, or for several one naming each (see tenantsFailure).
 */
export class TenantsFailedError extends Error {
  constructor(readonly failures: readonly TenantFailure[]) {
    super(describeTenantFailures(failures));
    this.name = 'TenantsFailedError';
  }
}

/** An organisation as messages name it: its name and tenant id. */
export function tenantLabel(tenant: { tenantId: string; tenantName: string | null }): string {
  return tenant.tenantName
    ? `${tenant.tenantName} (tenant ${tenant.tenantId})`
    : `tenant ${tenant.tenantId}`;
}

const reached = ({ failure }: TenantFailure): boolean => failure.reason !== NOT_ATTEMPTED;

/**
 * `Name (tenant id): Reason: message` for the first few, then how many more. Those not reached
 * come last: the ones that took the sync's time (and why) are named first.
 */
export function describeTenantFailures(failures: readonly TenantFailure[]): string {
  const named = [...failures.filter(reached), ...failures.filter((f) => !reached(f))]
    .slice(0, NAMED_FAILURES)
    .map(
      ({ tenant, failure }) =>
        `${tenantLabel(tenant)}: ${failure.reason}: ${failure.message.replace(/\.$/, '')}`,
    );
  const more = failures.length - named.length;
  return more > 0
    ? `${named.join('; ')}; and ${more} more (status.tenants[].syncFailure)`
    : named.join('; ');
}

/**
 * The failed organisations as one failure of the sync: when to retry (at the rate limit's retry
 * time only when every one of them is rate limited, the earliest; else with backoff) and, when
 * every organisation failed, what the Synced condition says: the reason of the first one the sync
 * reached (those it did not reach are NotAttempted because of it). One organisation's failure is
 * kept as it is, so a single-organisation connection reports exactly what it always did.
 */
export function tenantsFailure(failures: readonly TenantFailure[]): ClassifiedFailure {
  const [first] = failures;
  if (!first) throw new Error('tenantsFailure needs at least one failed organisation');
  if (failures.length === 1) return first.failure;
  const cause = failures.find(reached) ?? first;
  const retryAts = failures.map(({ failure }) => failure.retryAt);
  const everyRateLimited = retryAts.every((at) => at !== undefined);
  const earliest = everyRateLimited
    ? new Date(Math.min(...retryAts.map((at) => at!.getTime())))
    : undefined;
  return {
    condition: 'Synced',
    reason: cause.failure.reason,
    message: `No organisation could be synced: ${describeTenantFailures(failures)}.`,
    transient: failures.some(({ failure }) => failure.transient),
    ...(earliest ? { retryAt: earliest } : {}),
  };
}

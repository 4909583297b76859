import { describe, expect, it } from 'vitest';
import { classifyFailure, type ClassifiedFailure } from './failure-classifier.js';
import type { TenantFailure } from './sync-outcome.js';
import { TenantsFailedError, tenantsFailure } from './tenant-failures.js';

const failed = (n: number, failure: Partial<ClassifiedFailure> = {}): TenantFailure => ({
  tenant: {
    tenantId: `t-${n}`,
    tenantName: `Org ${n}`,
    tenantType: 'ORGANISATION',
    connectionId: `c-${n}`,
  },
  failure: {
    condition: 'Synced',
    reason: 'Unavailable',
    message: `Xero is unavailable for org ${n}.`,
    transient: true,
    ...failure,
  },
});
const rateLimited = (n: number, at: string) =>
  failed(n, { reason: 'RateLimited', message: 'limited', retryAt: new Date(at) });

describe('tenantsFailure', () => {
  it("keeps one organisation's failure as it is (a single-organisation connection reports what it always did)", () => {
    const one = rateLimited(1, '2026-11-22T11:00:00Z');
    expect(tenantsFailure([one])).toBe(one.failure);
    expect(classifyFailure(new TenantsFailedError([one]), 'sync')).toBe(one.failure);
  });

  it('names each failed organisation, the first few in full, and how many more', () => {
    const failures = [1, 2, 3, 4, 5, 6, 7].map((n) => failed(n));
    const failure = classifyFailure(new TenantsFailedError(failures), 'sync');
    expect(failure).toMatchObject({ condition: 'Synced', reason: 'Unavailable', transient: true });
    expect(failure.message).toBe(
      'No organisation could be synced: ' +
        [1, 2, 3, 4, 5]
          .map((n) => `Org ${n} (tenant t-${n}): Unavailable: Xero is unavailable for org ${n}`)
          .join('; ') +
        '; and 2 more (status.tenants[].syncFailure).',
    );
  });

  it('takes its reason from an organisation it reached, and names those first', () => {
    const notAttempted = (n: number) =>
      failed(n, { reason: 'NotAttempted', message: 'Not reached.' });
    const failures = [notAttempted(1), notAttempted(2), failed(3, { reason: 'SyncTimedOut' })];
    const failure = tenantsFailure(failures);
    expect(failure.reason).toBe('SyncTimedOut');
    expect(failure.message).toMatch(
      /^No organisation could be synced: Org 3 \(tenant t-3\): SyncTimedOut: .*; Org 1 .*NotAttempted/,
    );
  });

  it('retries at the earliest rate-limit end only when every failed organisation is rate limited', () => {
    const later = rateLimited(1, '2026-11-22T12:00:00Z');
    const sooner = rateLimited(2, '2026-11-22T11:00:00Z');
    expect(tenantsFailure([later, sooner]).retryAt).toEqual(new Date('2026-11-22T11:00:00Z'));
    // Another failure must not wait an hour for the rate limit: backoff.
    expect(tenantsFailure([later, failed(3)]).retryAt).toBeUndefined();
  });
});

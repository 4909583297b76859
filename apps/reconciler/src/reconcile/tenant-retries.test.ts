import type { XeroConnection } from '@xero-access/crd';
import { describe, expect, it } from 'vitest';
import { TenantRetries, type TenantRetry } from './tenant-retries.js';

const connection = (uid: string, generation: number): XeroConnection =>
  ({ metadata: { namespace: 'ns', name: 'acme', uid, generation } }) as XeroConnection;

const retry: TenantRetry = {
  syncedIds: new Set(['t-healthy']),
  fullSyncAt: new Date('2026-12-06T09:00:00.000Z'),
};

describe('TenantRetries', () => {
  it('gives the synced organisations to the next sync before the regular one, once', () => {
    const retries = new TenantRetries();
    retries.hold('ns/acme', connection('u1', 3), retry);
    expect(retries.take('ns/acme', connection('u1', 3), new Date('2026-12-06T08:10:00Z'))).toBe(
      retry,
    );
    // Taken: a sync that does not hold it again (it succeeded, or failed as a whole) ends it.
    expect(
      retries.take('ns/acme', connection('u1', 3), new Date('2026-12-06T08:11:00Z')),
    ).toBeUndefined();
  });

  it('has the regular sync fetch every organisation', () => {
    const retries = new TenantRetries();
    retries.hold('ns/acme', connection('u1', 3), retry);
    expect(
      retries.take('ns/acme', connection('u1', 3), new Date('2026-12-06T09:00:00.000Z')),
    ).toBeUndefined();
  });

  it('has a new spec, or a new object of the same name, fetch every organisation', () => {
    const retries = new TenantRetries();
    const now = new Date('2026-12-06T08:10:00Z');
    retries.hold('ns/acme', connection('u1', 3), retry);
    expect(retries.take('ns/acme', connection('u1', 4), now)).toBeUndefined();
    retries.hold('ns/acme', connection('u1', 3), retry);
    expect(retries.take('ns/acme', connection('u2', 3), now)).toBeUndefined();
  });
});

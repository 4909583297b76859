import type { MonitoredTenant } from '@xero-access/crd';
import type { CallOptions, XeroClient } from '@xero-access/xero-client';
import { describe, expect, it } from 'vitest';
import { classifyFailure } from '../reconcile/failure-classifier.js';
import { SyncDeadline } from '../reconcile/sync-deadline.js';
import { monitoredTenants } from '../status/tenants-status.js';
import { selectTenants } from './tenant-selection.js';
import { syncTenants, type PassOptions, type TenantSyncResult } from './tenant-sync.js';

const tenantId = (n: number): string => `t-${String(n).padStart(2, '0')}`;
const EVERY_ORGANISATION = selectTenants({}, null, 'Secret finance/tokens');

/**
 * Xero for a grant of `count` organisations, in GET /connections order, of which those in `hung`
 * never answer (their calls end only when aborted, as the transport's do). `called` lists the
 * organisations GET Organisation was sent for, in the order sent.
 */
function xero(count: number, hung: readonly number[]) {
  const called: string[] = [];
  const connections = Array.from({ length: count }, (_, i) => ({
    id: `connection-${i + 1}`,
    tenantId: tenantId(i + 1),
    tenantName: `Org ${i + 1}`,
    tenantType: 'ORGANISATION',
  }));
  const hangs = new Set(hung.map(tenantId));
  const answer = <T>(value: T, id: string, { signal }: CallOptions): Promise<T> => {
    if (!hangs.has(id)) return Promise.resolve(value);
    return new Promise((_, reject) => {
      if (signal?.aborted) reject(signal.reason as Error);
      signal?.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
    });
  };
  const accounting = {
    getConnections: () => Promise.resolve(connections),
    getOrganisation: (_token: string, id: string, options: CallOptions = {}) => {
      called.push(id);
      return answer({ name: `Org ${id}` }, id, options);
    },
    getUsers: (_token: string, id: string, options: CallOptions = {}) => answer([], id, options),
  };
  return { client: { accounting } as unknown as XeroClient, called };
}

/** One pass with SYNC_TIMEOUT `timeoutMs`, classified and left in status.tenants as a sync does. */
async function pass(client: XeroClient, timeoutMs: number, options: PassOptions = {}) {
  const deadline = new SyncDeadline(new AbortController().signal, timeoutMs);
  try {
    const result: TenantSyncResult = await syncTenants(
      client,
      'access-token',
      EVERY_ORGANISATION,
      { signal: deadline.signal, waitUntil: deadline.at },
      options,
    );
    const failed = result.failed.map(({ error, ...tenant }) => ({
      tenant,
      failure: classifyFailure(deadline.causeOf(error), 'sync'),
    }));
    const tenants: MonitoredTenant[] = monitoredTenants(
      { synced: result.synced, failed },
      undefined,
      new Date(),
    );
    const reasons = Object.fromEntries(failed.map((f) => [f.tenant.tenantId, f.failure.reason]));
    return { synced: result.synced.map((t) => t.tenantId), failed, reasons, tenants };
  } finally {
    deadline.dispose();
  }
}

const ids = (...ns: number[]): string[] => ns.map(tenantId);

describe('syncTenants', () => {
  it('reports the organisations it never reached as NotAttempted, and fetches them first in the next pass', async () => {
    const { client, called } = xero(12, [1, 2, 3, 4]);

    // The four hung ones hold the four lanes until the deadline: the others are never called.
    const first = await pass(client, 300);
    expect(called).toEqual(ids(1, 2, 3, 4));
    expect(first.synced).toEqual([]);
    expect(first.reasons).toEqual({
      ...Object.fromEntries(ids(1, 2, 3, 4).map((id) => [id, 'SyncTimedOut'])),
      ...Object.fromEntries(ids(5, 6, 7, 8, 9, 10, 11, 12).map((id) => [id, 'NotAttempted'])),
    });
    const notReached = first.failed.find((f) => f.tenant.tenantId === tenantId(5))!.failure;
    expect(notReached).toMatchObject({ condition: 'Synced', transient: true });
    expect(notReached.message).toMatch(/^Not reached before the sync's deadline/);
    expect(notReached.message).not.toMatch(/did not answer/);

    // The next pass (status.tenants as the first left it) takes the unreached ones first.
    called.length = 0;
    const second = await pass(client, 300, { last: first.tenants });
    expect(called).toEqual(ids(5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3, 4));
    expect(second.synced).toEqual(ids(5, 6, 7, 8, 9, 10, 11, 12));
    expect(second.reasons).toEqual(
      Object.fromEntries(ids(1, 2, 3, 4).map((id) => [id, 'SyncTimedOut'])),
    );
  });

  it("takes a retry's organisations in the same order, the kept ones not fetched", async () => {
    const { client, called } = xero(6, [1, 2]);
    const last = [
      { tenantId: tenantId(1), syncFailure: { reason: 'SyncTimedOut' } },
      { tenantId: tenantId(2), syncFailure: { reason: 'SyncTimedOut' } },
      { tenantId: tenantId(3) },
      { tenantId: tenantId(4), syncFailure: { reason: 'NotAttempted' } },
      { tenantId: tenantId(5), syncFailure: { reason: 'NotAttempted' } },
    ];
    // Organisation 3 was synced and is kept; 6 was connected since.
    const retry = await pass(client, 300, { keep: new Set([tenantId(3)]), last });
    expect(called).toEqual(ids(4, 5, 6, 1, 2));
    expect(retry.synced).toEqual(ids(4, 5, 6));
  });

  it('lets a hung organisation hold its lane for its own time only, not the whole sync', async () => {
    // The audit's case: 12 organisations, those at 2, 5, 7 and 9 hung.
    const { client } = xero(12, [2, 5, 7, 9]);
    const started = Date.now();
    const result = await pass(client, 5_000, { tenantTimeoutMs: 100 });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(result.synced).toEqual(ids(1, 3, 4, 6, 8, 10, 11, 12));
    expect(Object.keys(result.reasons)).toEqual(ids(2, 5, 7, 9));
    for (const { failure } of result.failed) {
      expect(failure).toMatchObject({ condition: 'Synced', reason: 'SyncTimedOut' });
      expect(failure.message).toMatch(/did not answer for this organisation within 0.1 s/);
    }
  });
});

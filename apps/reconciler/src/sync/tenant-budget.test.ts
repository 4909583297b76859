import type { CallOptions } from '@xero-access/xero-client';
import { describe, expect, it } from 'vitest';
import { TenantTimedOutError, withTenantBudget } from './tenant-budget.js';

/** A call that ends only when its signal aborts, as the transport's calls to a hung host do. */
const hang = ({ signal }: CallOptions): Promise<never> =>
  new Promise((_, reject) =>
    signal!.addEventListener('abort', () => reject(signal!.reason as Error), { once: true }),
  );

describe('withTenantBudget', () => {
  it("waits for no rate-limit slot past its own end, or the sync's when that comes first", async () => {
    const sync = new Date(Date.now() + 5_000);
    const seen: CallOptions[] = [];
    await withTenantBudget({ waitUntil: sync }, 1_000, (bounded) => {
      seen.push(bounded);
      return Promise.resolve();
    });
    await withTenantBudget({ waitUntil: sync }, 60_000, (bounded) => {
      seen.push(bounded);
      return Promise.resolve();
    });
    expect(seen[0]!.waitUntil!.getTime()).toBeLessThan(sync.getTime());
    expect(seen[0]!.waitUntil!.getTime()).toBeGreaterThan(Date.now());
    expect(seen[1]!.waitUntil).toBe(sync);
  });

  it('aborts the calls once its time is up, as TenantTimedOutError', async () => {
    await expect(withTenantBudget({}, 50, hang)).rejects.toBeInstanceOf(TenantTimedOutError);
  });

  it("leaves an abort of the sync's own signal as it is", async () => {
    const sync = new AbortController();
    const reason = new Error('fenced');
    setTimeout(() => sync.abort(reason), 20);
    await expect(withTenantBudget({ signal: sync.signal }, 60_000, hang)).rejects.toBe(reason);
  });
});

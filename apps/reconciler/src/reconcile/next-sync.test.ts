import { describe, expect, it } from 'vitest';
import {
  AFTER_ACCEPTANCE_EXPIRY_MS,
  REFRESH_TOKEN_KEEPALIVE_MS,
  syncWaitMs,
  untilAcceptanceExpires,
} from './next-sync.js';

const now = new Date('2026-12-06T08:00:00Z');
const HOUR = 3_600_000;

describe('untilAcceptanceExpires', () => {
  it('keeps the sync interval when nothing is accepted', () => {
    expect(untilAcceptanceExpires(6 * HOUR, null, now)).toBe(6 * HOUR);
  });

  it('syncs just after an acceptance that ends before the next scheduled sync', () => {
    const expiry = new Date(now.getTime() + 30 * 60_000);
    expect(untilAcceptanceExpires(6 * HOUR, expiry, now)).toBe(
      30 * 60_000 + AFTER_ACCEPTANCE_EXPIRY_MS,
    );
  });

  it('keeps the interval when the acceptance ends after the next scheduled sync', () => {
    const expiry = new Date(now.getTime() + 30 * 24 * HOUR);
    expect(untilAcceptanceExpires(6 * HOUR, expiry, now)).toBe(6 * HOUR);
  });

  it('never waits a negative time', () => {
    const expiry = new Date(now.getTime() - 10 * 60_000);
    expect(untilAcceptanceExpires(6 * HOUR, expiry, now)).toBe(0);
  });
});

describe('syncWaitMs', () => {
  const noJitter = () => 0;
  const mostJitter = () => 1;

  it('is syncInterval plus jitter', () => {
    const spec = { authFlow: 'AuthorizationCode', syncInterval: '1h30m' } as const;
    expect(syncWaitMs(spec, 0.1, noJitter)).toBe(1.5 * HOUR);
    expect(syncWaitMs(spec, 0.1, mostJitter)).toBe(1.65 * HOUR);
  });

  it('is at most 30 days for AuthorizationCode, jitter included, so its refresh token (60 days) never lapses', () => {
    const quarterly = { authFlow: 'AuthorizationCode', syncInterval: '2160h' } as const;
    expect(syncWaitMs(quarterly, 1, mostJitter)).toBe(REFRESH_TOKEN_KEEPALIVE_MS);
    expect(syncWaitMs({ ...quarterly, syncInterval: '600h' }, 1, mostJitter)).toBe(
      REFRESH_TOKEN_KEEPALIVE_MS,
    );
    expect(REFRESH_TOKEN_KEEPALIVE_MS).toBeLessThan(60 * 24 * HOUR);
  });

  it('is not capped for ClientCredentials, which has no refresh token', () => {
    expect(
      syncWaitMs({ authFlow: 'ClientCredentials', syncInterval: '2160h' }, 0.1, noJitter),
    ).toBe(2160 * HOUR);
  });
});

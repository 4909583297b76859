import { describe, expect, it } from 'vitest';
import {
  AFTER_DEADLINE_MS,
  earliestDeadline,
  REFRESH_TOKEN_KEEPALIVE_MS,
  syncIntervalMs,
  syncWaitMs,
  untilNextDeadline,
  reevaluationDeadline,
  MIN_REEVALUATION_WAIT_MS,
} from './next-sync.js';

const now = new Date('2026-12-06T08:00:00Z');
const HOUR = 3_600_000;

describe('untilNextDeadline', () => {
  const inMinutes = (minutes: number) => new Date(now.getTime() + minutes * 60_000);

  it('keeps the sync interval when there is no deadline', () => {
    expect(untilNextDeadline(6 * HOUR, [], now)).toBe(6 * HOUR);
    expect(untilNextDeadline(6 * HOUR, [null, null], now)).toBe(6 * HOUR);
  });

  it('syncs just after a deadline (an acceptance ends) before the next scheduled sync', () => {
    expect(untilNextDeadline(6 * HOUR, [inMinutes(30)], now)).toBe(30 * 60_000 + AFTER_DEADLINE_MS);
  });

  it('syncs just after the earliest of the deadlines (an acceptance, a grace period)', () => {
    expect(untilNextDeadline(6 * HOUR, [inMinutes(90), inMinutes(20)], now)).toBe(
      20 * 60_000 + AFTER_DEADLINE_MS,
    );
    expect(untilNextDeadline(6 * HOUR, [null, inMinutes(20)], now)).toBe(
      20 * 60_000 + AFTER_DEADLINE_MS,
    );
  });

  it('keeps the interval when every deadline comes after the next scheduled sync', () => {
    expect(untilNextDeadline(6 * HOUR, [inMinutes(30 * 24 * 60), inMinutes(7 * 60)], now)).toBe(
      6 * HOUR,
    );
  });

  it('never waits a negative time', () => {
    expect(untilNextDeadline(6 * HOUR, [inMinutes(-10)], now)).toBe(0);
  });
});

describe('earliestDeadline', () => {
  it('is the earliest deadline, or null without one', () => {
    const early = new Date('2026-12-06T09:00:00Z');
    const late = new Date('2026-12-07T09:00:00Z');
    expect(earliestDeadline([late, null, early])).toBe(early);
    expect(earliestDeadline([null, late])).toBe(late);
    expect(earliestDeadline([null])).toBeNull();
    expect(earliestDeadline([])).toBeNull();
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

// The stale-sync alert's interval (xao_connection_sync_interval_seconds): what the schedule waits, less jitter.
describe('syncIntervalMs', () => {
  it('is syncInterval, at most 30 days for AuthorizationCode only', () => {
    expect(syncIntervalMs({ authFlow: 'AuthorizationCode', syncInterval: '1h30m' })).toBe(
      1.5 * HOUR,
    );
    expect(syncIntervalMs({ authFlow: 'AuthorizationCode', syncInterval: '2160h' })).toBe(
      REFRESH_TOKEN_KEEPALIVE_MS,
    );
    expect(syncIntervalMs({ authFlow: 'ClientCredentials', syncInterval: '2160h' })).toBe(
      2160 * HOUR,
    );
  });
});

describe('reevaluationDeadline', () => {
  const now = new Date('2026-11-22T10:00:00Z');
  it('keeps a reevaluation time a minute or more ahead, and none when there is none', () => {
    const later = new Date('2026-11-22T10:20:00Z');
    expect(reevaluationDeadline(later, now)).toEqual(later);
    expect(reevaluationDeadline(null, now)).toBeNull();
  });

  it('brings a sync no closer than a minute away, however soon the policy asks', () => {
    for (const soon of [now, new Date('2026-11-22T10:00:01Z'), new Date('2026-11-22T09:00:00Z')]) {
      expect(untilNextDeadline(6 * 3_600_000, [reevaluationDeadline(soon, now)], now)).toBe(
        MIN_REEVALUATION_WAIT_MS,
      );
    }
  });
});

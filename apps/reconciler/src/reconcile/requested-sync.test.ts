import type { XeroConnection } from '@xero-access/crd';
import { describe, expect, it } from 'vitest';
import { RequestedSyncGate, SYNC_REQUESTED_ANNOTATION } from './requested-sync.js';

const connection = (requestedAt: string | undefined, lastSyncTime?: string): XeroConnection =>
  ({
    metadata: { annotations: requestedAt ? { [SYNC_REQUESTED_ANNOTATION]: requestedAt } : {} },
    status: { lastSyncTime },
  }) as XeroConnection;

const at = (iso: string) => Date.parse(iso);

describe('RequestedSyncGate', () => {
  it('asks for nothing without a request newer than the last sync', () => {
    const gate = new RequestedSyncGate(60_000);
    const now = at('2030-01-01T00:10:00Z');
    expect(gate.dueAt('a', connection(undefined), now)).toBeUndefined();
    expect(gate.dueAt('a', connection('not a time'), now)).toBeUndefined();
    expect(
      gate.dueAt('a', connection('2030-01-01T00:05:00Z', '2030-01-01T00:06:00Z'), now),
    ).toBeUndefined();
  });

  it('lets a request run at once when no sync started within the gap, in this process', () => {
    const gate = new RequestedSyncGate(60_000);
    const now = at('2030-01-01T00:10:00Z');
    const requested = connection('2030-01-01T00:09:59Z', '2030-01-01T00:09:00Z');
    expect(gate.dueAt('a', requested, now)).toBe(now);
    gate.starting('a', connection('2030-01-01T00:08:00Z'), now - 61_000);
    expect(gate.dueAt('a', requested, now)).toBe(now);
  });

  it('holds a request made within the gap until the gap ends, whatever the last sync did', () => {
    const gate = new RequestedSyncGate(60_000);
    const started = at('2030-01-01T00:10:00Z');
    gate.starting('a', connection('2030-01-01T00:09:00Z'), started);
    // A failed sync leaves lastSyncTime where it was: the gap counts from the start all the same.
    const requested = connection('2030-01-01T00:10:05Z', '2030-01-01T00:00:00Z');
    expect(gate.dueAt('a', requested, started + 10_000)).toBe(started + 60_000);
    expect(gate.dueAt('b', requested, started + 10_000)).toBe(started + 10_000);
    gate.forget('a');
    expect(gate.dueAt('a', requested, started + 10_000)).toBe(started + 10_000);
  });

  // `date +%FT%TZ` without -u, in a zone ahead of UTC: the request stays newer than lastSyncTime.
  it('serves a request dated in the future once, not at every gap until its time', () => {
    const gate = new RequestedSyncGate(60_000);
    const started = at('2030-01-01T00:10:00Z');
    const ahead = connection('2030-01-01T13:10:00Z', '2030-01-01T00:10:01Z');
    expect(gate.dueAt('a', ahead, started)).toBe(started);
    gate.starting('a', ahead, started);
    expect(gate.dueAt('a', ahead, started + 61_000)).toBeUndefined();
    expect(gate.dueAt('a', ahead, started + 3_600_000)).toBeUndefined();
    // A new request is served after the gap.
    const again = connection('2030-01-01T13:11:00Z', '2030-01-01T00:10:01Z');
    expect(gate.dueAt('a', again, started + 10_000)).toBe(started + 60_000);
  });
});

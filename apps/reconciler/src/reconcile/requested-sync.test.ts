import type { XeroConnection } from '@xero-access/crd';
import { describe, expect, it } from 'vitest';
import {
  handledSyncRequest,
  RequestedSyncGate,
  SYNC_REQUESTED_ANNOTATION,
  syncRequested,
} from './requested-sync.js';

const connection = (
  requestedAt: string | undefined,
  lastSyncTime?: string,
  lastHandledSyncRequest?: string,
): XeroConnection =>
  ({
    metadata: { annotations: requestedAt ? { [SYNC_REQUESTED_ANNOTATION]: requestedAt } : {} },
    status: { lastSyncTime, lastHandledSyncRequest },
  }) as XeroConnection;

const at = (iso: string) => Date.parse(iso);

describe('syncRequested', () => {
  const lastSync = '2030-01-01T00:06:00Z';

  // Stamped by a replica (or a laptop) whose clock is 20 s behind the leader's.
  it('takes a value the last sync did not handle for a request, even one dated before that sync', () => {
    const behind = '2030-01-01T00:05:40Z';
    expect(syncRequested(connection(behind, lastSync, '2030-01-01T00:04:00Z'))).toBe(true);
    expect(syncRequested(connection(behind, lastSync, ''))).toBe(true);
    // A local time without a zone, and any other value: a request all the same.
    expect(syncRequested(connection('2030-01-01T00:05:40', lastSync, ''))).toBe(true);
    expect(syncRequested(connection('now', lastSync, ''))).toBe(true);
  });

  it('takes the value the last sync handled for no request, even one dated after that sync', () => {
    expect(
      syncRequested(connection('2030-01-01T00:05:40Z', lastSync, '2030-01-01T00:05:40Z')),
    ).toBe(false);
    expect(
      syncRequested(connection('2030-01-01T13:00:00Z', lastSync, '2030-01-01T13:00:00Z')),
    ).toBe(false);
    expect(syncRequested(connection(undefined, lastSync, 'earlier'))).toBe(false);
    expect(syncRequested(connection('', lastSync, 'earlier'))).toBe(false);
  });

  // Written by a version before lastHandledSyncRequest: until the next sync records it.
  it('falls back on comparing times when the status has no handled request', () => {
    expect(syncRequested(connection('2030-01-01T00:06:01Z', lastSync))).toBe(true);
    expect(syncRequested(connection('2030-01-01T00:05:40Z', lastSync))).toBe(false);
    expect(syncRequested(connection('not a time', lastSync))).toBe(false);
    expect(syncRequested(connection('2030-01-01T00:05:40Z'))).toBe(true);
  });

  it('records the request a sync started with, or none as an empty value', () => {
    expect(handledSyncRequest(connection('2030-01-01T00:05:40Z'))).toBe('2030-01-01T00:05:40Z');
    expect(handledSyncRequest(connection(undefined))).toBe('');
  });
});

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

  it('lets a request dated before the last sync but not handled by it run', () => {
    const gate = new RequestedSyncGate(60_000);
    const started = at('2030-01-01T00:06:00Z');
    const synced = connection(undefined, '2030-01-01T00:06:00Z', '');
    gate.starting('a', synced, started);
    const behind = connection('2030-01-01T00:05:40Z', '2030-01-01T00:06:00Z', '');
    expect(gate.dueAt('a', behind, started + 10_000)).toBe(started + 60_000);
    expect(gate.dueAt('a', behind, started + 70_000)).toBe(started + 70_000);
    const handled = connection(
      '2030-01-01T00:05:40Z',
      '2030-01-01T00:06:00Z',
      '2030-01-01T00:05:40Z',
    );
    expect(gate.dueAt('a', handled, started + 70_000)).toBeUndefined();
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
    // Before its status is written, and after (as a new leader reads it).
    expect(gate.dueAt('a', ahead, started + 61_000)).toBeUndefined();
    expect(gate.dueAt('a', ahead, started + 3_600_000)).toBeUndefined();
    const written = connection(
      '2030-01-01T13:10:00Z',
      '2030-01-01T00:10:01Z',
      '2030-01-01T13:10:00Z',
    );
    expect(new RequestedSyncGate(60_000).dueAt('a', written, started + 61_000)).toBeUndefined();
    // A new request is served after the gap.
    const again = connection(
      '2030-01-01T13:11:00Z',
      '2030-01-01T00:10:01Z',
      '2030-01-01T13:10:00Z',
    );
    expect(gate.dueAt('a', again, started + 10_000)).toBe(started + 60_000);
  });
});

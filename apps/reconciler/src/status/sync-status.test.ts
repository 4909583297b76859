import type { XeroConnectionCondition } from '@xero-access/crd';
import { describe, expect, it } from 'vitest';
import type { ClassifiedFailure } from '../reconcile/failure-classifier.js';
import type { SyncOutcome } from '../reconcile/sync-outcome.js';
import type { AccessGrant } from '../token/token-manager.js';
import { failedSyncStatus, succeededSyncStatus } from './sync-status.js';

const now = new Date('2026-11-22T10:00:00Z');
const grant: AccessGrant = {
  accessToken: 'not-a-real-token',
  expiresAt: new Date('2026-11-22T10:30:00Z'),
  fresh: true,
  refreshTokenRotatedAt: new Date('2026-11-22T09:59:00Z'),
  secretTenantId: null,
};
const failure = (condition: ClassifiedFailure['condition']): ClassifiedFailure => ({
  condition,
  reason: 'SomethingFailed',
  message: 'It failed.',
  transient: true,
});
const types = (s: { conditions: { type: string; status: string; reason: string }[] }) =>
  s.conditions.map((c) => `${c.type}=${c.status}/${c.reason}`);

describe('succeededSyncStatus', () => {
  it('sets every condition True and replaces the tenants, counts and token times', () => {
    const outcome: SyncOutcome = {
      grant,
      tenants: [
        {
          tenantId: 't-1',
          tenantName: 'Acme',
          tenantType: 'ORGANISATION',
          connectionId: 'c-1',
          users: [],
          takenAt: now,
        },
      ],
      userCount: 7,
      openByCheck: { 'user-identified': 2, 'offboarded-access-removed': 1 },
      disconnected: [],
      openSeries: new Map(),
      transitions: [],
      nextAcceptanceExpiry: null,
      reevaluateAt: null,
    };
    const report = succeededSyncStatus(outcome, { userCount: 3, lastSyncTime: 'earlier' }, now);
    expect(types(report)).toEqual([
      'Authenticated=True/TokenValid',
      'Synced=True/Synced',
      'PoliciesEvaluated=True/Evaluated',
    ]);
    expect(report.conditions[1]?.message).toBe('7 users with access in Acme.');
    expect(report.conditions[2]?.message).toBe('Access checks evaluated: 3 open findings.');
    expect(report.fields).toMatchObject({
      tenants: [
        { tenantId: 't-1', tenantName: 'Acme', tenantType: 'ORGANISATION', connectionId: 'c-1' },
      ],
      lastSyncTime: now.toISOString(),
      userCount: 7,
      accessTokenExpiresAt: '2026-11-22T10:30:00.000Z',
      refreshTokenRotatedAt: '2026-11-22T09:59:00.000Z',
    });
    expect(JSON.stringify(report)).not.toContain('not-a-real-token');
  });
});

describe('failedSyncStatus', () => {
  it('keeps what succeeded before the failure: a token, then the synced users', () => {
    const report = failedSyncStatus(
      failure('PoliciesEvaluated'),
      { phase: 'evaluate', grant, syncedUsers: 4 },
      [],
    );
    expect(types(report)).toEqual([
      'Authenticated=True/TokenValid',
      'Synced=True/Synced',
      'PoliciesEvaluated=False/SomethingFailed',
    ]);
    expect(report.conditions[1]?.message).toBe('4 users with access.');
    expect(report.fields).toEqual({ accessTokenExpiresAt: '2026-11-22T10:30:00.000Z' });
  });

  it('does not call a token valid when authentication is what failed', () => {
    const report = failedSyncStatus(failure('Authenticated'), { phase: 'authenticate', grant }, []);
    expect(types(report)).toEqual([
      'Authenticated=False/SomethingFailed',
      'Synced=Unknown/Pending',
      'PoliciesEvaluated=Unknown/Pending',
    ]);
    expect(report.conditions[1]?.message).toBe('Waiting for Authenticated to succeed.');
    expect(report.fields).toEqual({});
  });

  it('leaves later conditions already reported as they are (they say what the last sync found)', () => {
    const synced: XeroConnectionCondition = {
      type: 'Synced',
      status: 'True',
      reason: 'Synced',
      message: '9 users with access in Acme.',
      lastTransitionTime: '2026-11-21T00:00:00Z',
    };
    const report = failedSyncStatus(failure('Authenticated'), { phase: 'authenticate' }, [synced]);
    expect(types(report)).toEqual([
      'Authenticated=False/SomethingFailed',
      'PoliciesEvaluated=Unknown/Pending',
    ]);
  });
});

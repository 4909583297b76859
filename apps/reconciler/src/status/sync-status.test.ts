import type { XeroConnectionCondition } from '@xero-access/crd';
import { describe, expect, it } from 'vitest';
import type { ClassifiedFailure } from '../reconcile/failure-classifier.js';
import type { SyncOutcome } from '../reconcile/sync-outcome.js';
import type { AccessGrant } from '../token/token-manager.js';
import { setCondition } from './conditions.js';
import {
  failedSyncStatus,
  succeededSyncStatus,
  withLastSnapshotsEvaluated,
} from './sync-status.js';

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
      failed: [],
      syncedUsers: 7,
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
      {},
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
    const report = failedSyncStatus(failure('Authenticated'), { phase: 'authenticate', grant }, {});
    expect(types(report)).toEqual([
      'Authenticated=False/SomethingFailed',
      'Synced=Unknown/AuthenticationFailed',
      'PoliciesEvaluated=Unknown/AuthenticationFailed',
    ]);
    expect(report.conditions[1]?.message).toBe(
      'Users were not synced: Authenticated failed (SomethingFailed). No sync has succeeded yet.',
    );
    expect(report.fields).toEqual({});
  });

  it('makes the evaluation Unknown when the sync failed, naming the failure and the last good sync', () => {
    const report = failedSyncStatus(
      failure('Synced'),
      { phase: 'sync', grant },
      { lastSyncTime: '2026-11-21T00:00:00.000Z' },
    );
    expect(types(report)).toEqual([
      'Authenticated=True/TokenValid',
      'Synced=False/SomethingFailed',
      'PoliciesEvaluated=Unknown/SyncFailed',
    ]);
    expect(report.conditions[2]?.message).toBe(
      'The access checks did not run: Synced failed (SomethingFailed). Last successful sync: 2026-11-21T00:00:00.000Z.',
    );
  });

  // kubectl describe must not go on saying "Synced True: 9 users" while syncs fail for days.
  it('turns what an earlier sync reported Unknown, moving lastTransitionTime only when the status changes', () => {
    const earlier = '2026-11-21T00:00:00.000Z';
    const synced: XeroConnectionCondition[] = [
      {
        type: 'Authenticated',
        status: 'True',
        reason: 'TokenValid',
        message: 'ok',
        lastTransitionTime: earlier,
        observedGeneration: 1,
      },
      {
        type: 'Synced',
        status: 'True',
        reason: 'Synced',
        message: '9 users with access in Acme.',
        lastTransitionTime: earlier,
        observedGeneration: 1,
      },
      {
        type: 'PoliciesEvaluated',
        status: 'True',
        reason: 'Evaluated',
        message: 'ok',
        lastTransitionTime: earlier,
        observedGeneration: 1,
      },
    ];
    const apply = (
      conditions: XeroConnectionCondition[],
      reason: string,
      generation: number,
      at: Date,
    ) =>
      failedSyncStatus(
        { ...failure('Authenticated'), reason },
        { phase: 'authenticate' },
        { lastSyncTime: earlier, conditions },
      ).conditions.reduce((list, input) => setCondition(list, input, generation, at), conditions);

    const first = apply(synced, 'InvalidCredentials', 2, now);
    expect(
      first.map((c) => [c.type, c.status, c.reason, c.lastTransitionTime, c.observedGeneration]),
    ).toEqual([
      ['Authenticated', 'False', 'InvalidCredentials', now.toISOString(), 2],
      ['Synced', 'Unknown', 'AuthenticationFailed', now.toISOString(), 2],
      ['PoliciesEvaluated', 'Unknown', 'AuthenticationFailed', now.toISOString(), 2],
    ]);
    expect(first[1]?.message).toBe(
      `Users were not synced: Authenticated failed (InvalidCredentials). Last successful sync: ${earlier}.`,
    );

    // Days later, another failure: still Unknown, so the transition time stays; the message follows.
    const later = new Date('2026-11-25T10:00:00Z');
    const second = apply(first, 'ReauthorizationRequired', 3, later);
    expect(
      second.map((c) => [c.type, c.status, c.lastTransitionTime, c.observedGeneration]),
    ).toEqual([
      ['Authenticated', 'False', now.toISOString(), 3],
      ['Synced', 'Unknown', now.toISOString(), 3],
      ['PoliciesEvaluated', 'Unknown', now.toISOString(), 3],
    ]);
    expect(second[2]?.message).toContain('Authenticated failed (ReauthorizationRequired)');
  });
});

describe('withLastSnapshotsEvaluated', () => {
  it("counts the last snapshots' open findings and says the checks ran on them only, still Unknown", () => {
    const previous = { lastSyncTime: '2026-11-21T00:00:00.000Z', findings: { 'old-check': 3 } };
    const report = withLastSnapshotsEvaluated(
      failedSyncStatus(failure('Authenticated'), { phase: 'authenticate' }, previous),
      { 'offboarded-access-removed': 2 },
      previous,
    );
    expect(types(report)).toEqual([
      'Authenticated=False/SomethingFailed',
      'Synced=Unknown/AuthenticationFailed',
      'PoliciesEvaluated=Unknown/AuthenticationFailed',
    ]);
    expect(report.conditions[1]?.message).toBe(
      'Users were not synced: Authenticated failed (SomethingFailed). Last successful sync: 2026-11-21T00:00:00.000Z.',
    );
    expect(report.conditions[2]?.message).toBe(
      "The access checks ran on the last snapshots only, against today's staff directory and links: 2 open findings. Authenticated failed (SomethingFailed). Last successful sync: 2026-11-21T00:00:00.000Z.",
    );
    expect(report.fields.openFindings).toBe(2);
    expect(report.fields.findings).toMatchObject({
      'offboarded-access-removed': 2,
      'old-check': 0,
    });
  });
});

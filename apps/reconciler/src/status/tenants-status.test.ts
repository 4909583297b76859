import type { MonitoredTenant, XeroConnectionCondition } from '@xero-access/crd';
import { describe, expect, it } from 'vitest';
import type { ClassifiedFailure } from '../reconcile/failure-classifier.js';
import type { SyncOutcome, TenantFailure } from '../reconcile/sync-outcome.js';
import type { SyncedTenant } from '../sync/tenant-sync.js';
import type { AccessGrant } from '../token/token-manager.js';
import { readyFrom, setCondition } from './conditions.js';
import { failedSyncStatus, succeededSyncStatus } from './sync-status.js';
import { monitoredTenants, tenantsWithFailures } from './tenants-status.js';

const t0 = new Date('2026-11-22T10:00:00Z');
const t1 = new Date('2026-11-22T10:05:00Z');
const grant: AccessGrant = {
  accessToken: 'not-a-real-token',
  expiresAt: new Date('2026-11-22T10:30:00Z'),
  fresh: true,
  refreshTokenRotatedAt: null,
  secretTenantId: null,
};
const acme: SyncedTenant = {
  tenantId: 'a-1',
  tenantName: 'Acme',
  tenantType: 'ORGANISATION',
  connectionId: 'c-1',
  users: [],
  takenAt: t0,
};
const forbidden: ClassifiedFailure = {
  condition: 'Synced',
  reason: 'InsufficientPermissions',
  message: 'Xero answered 403 Forbidden to GET Users: the token is missing scope x.',
  transient: false,
};
const failedBeta: TenantFailure = {
  tenant: { tenantId: 'b-2', tenantName: 'Beta', tenantType: 'ORGANISATION', connectionId: 'c-2' },
  failure: forbidden,
};

function outcome(failed: TenantFailure[]): SyncOutcome {
  return {
    grant,
    tenants: [acme],
    failed,
    syncedUsers: 4,
    userCount: 6,
    openByCheck: { 'user-identified': 3 },
    disconnected: [],
    openSeries: new Map(),
    transitions: [],
    nextAcceptanceExpiry: null,
    reevaluateAt: null,
  };
}

/** The conditions as the reconciler writes them: the report's, then Ready from them. */
function written(conditions: { type: string }[]): XeroConnectionCondition[] {
  let list: XeroConnectionCondition[] = [];
  for (const input of conditions as Parameters<typeof setCondition>[1][])
    list = setCondition(list, input, 1, t0);
  return setCondition(list, readyFrom(list), 1, t0);
}

describe('a sync where one organisation failed and the other was recorded', () => {
  it('is Synced False (PartiallySynced) naming the failed organisation and why, and Ready follows', () => {
    const report = succeededSyncStatus(outcome([failedBeta]), {}, t0);
    const conditions = written(report.conditions);
    const byType = Object.fromEntries(conditions.map((c) => [c.type, c]));
    expect(byType.Synced).toMatchObject({ status: 'False', reason: 'PartiallySynced' });
    expect(byType.Synced!.message).toBe(
      'Synced 1 of 2 organisations (4 users with access in Acme); not synced: Beta (tenant b-2): ' +
        'InsufficientPermissions: Xero answered 403 Forbidden to GET Users: the token is missing scope x. ' +
        'Findings of an organisation not synced stay as of its last snapshot; the sync is retried automatically.',
    );
    // The synced organisation was evaluated: its findings are current.
    expect(byType.PoliciesEvaluated).toMatchObject({ status: 'True', reason: 'Evaluated' });
    expect(byType.Ready).toMatchObject({
      status: 'False',
      reason: 'PartiallySynced',
      message: byType.Synced!.message,
    });
    expect(report.fields).toMatchObject({
      lastSyncTime: t0.toISOString(),
      userCount: 6,
      tenants: [
        { tenantId: 'a-1', tenantName: 'Acme', tenantType: 'ORGANISATION', connectionId: 'c-1' },
        {
          tenantId: 'b-2',
          tenantName: 'Beta',
          tenantType: 'ORGANISATION',
          connectionId: 'c-2',
          syncFailure: {
            reason: 'InsufficientPermissions',
            message: forbidden.message,
            since: t0.toISOString(),
          },
        },
      ],
    });
    expect(report.fields.tenants![0]).not.toHaveProperty('syncFailure');
  });

  it("names the grant's organisations a token Secret's tenant_id leaves out", () => {
    const report = succeededSyncStatus(
      {
        ...outcome([]),
        unmonitored: { count: 2, selectedBy: 'key tenant_id of Secret ns/tokens' },
      },
      {},
      t1,
    );
    const synced = report.conditions.find((c) => c.type === 'Synced')!;
    expect(synced.status).toBe('True');
    expect(synced.message).toMatch(
      /\. The grant reaches 2 more organisations, not monitored: key tenant_id of Secret ns\/tokens selects this one \(set spec.tenantId to keep it so, or remove that key to monitor every organisation\)\.$/,
    );
  });

  it('is Synced True with no syncFailure once every organisation syncs', () => {
    const previous = succeededSyncStatus(outcome([failedBeta]), {}, t0).fields;
    const beta: SyncedTenant = { ...acme, ...failedBeta.tenant, tenantName: 'Beta' };
    const report = succeededSyncStatus({ ...outcome([]), tenants: [acme, beta] }, previous, t1);
    expect(written(report.conditions).map((c) => `${c.type}=${c.status}/${c.reason}`)).toEqual([
      'Authenticated=True/TokenValid',
      'Synced=True/Synced',
      'PoliciesEvaluated=True/Evaluated',
      'Ready=True/Ready',
    ]);
    expect(report.fields.tenants!.some((t) => t.syncFailure)).toBe(false);
  });

  it('keeps since while the organisation keeps failing, for any reason; starts it afresh after a success', () => {
    const first = monitoredTenants({ synced: [acme], failed: [failedBeta] }, [], t0);
    const rateLimited: TenantFailure = {
      ...failedBeta,
      failure: { ...forbidden, reason: 'RateLimited', message: 'later' },
    };
    const second = monitoredTenants({ synced: [acme], failed: [rateLimited] }, first, t1);
    expect(second[1]!.syncFailure).toEqual({
      reason: 'RateLimited',
      message: 'later',
      since: t0.toISOString(),
    });
    const recovered = monitoredTenants(
      { synced: [acme, { ...acme, tenantId: 'B-2', tenantName: 'Beta' }], failed: [] },
      second,
      t1,
    );
    const again = monitoredTenants({ synced: [acme], failed: [failedBeta] }, recovered, t1);
    expect(again[1]!.syncFailure?.since).toBe(t1.toISOString());
  });
});

describe('a sync where every organisation failed', () => {
  const previous: MonitoredTenant[] = [
    { tenantId: 'a-1', tenantName: 'Acme', connectionId: 'c-1' },
    { tenantId: 'gone', tenantName: 'Gone Ltd', connectionId: 'c-9' },
  ];

  it('keeps status.tenants, marking each failed organisation and adding new ones', () => {
    const failedAcme: TenantFailure = {
      tenant: {
        tenantId: 'A-1',
        tenantName: null,
        tenantType: 'ORGANISATION',
        connectionId: 'c-1',
      },
      failure: { ...forbidden, reason: 'Unavailable', message: 'Xero is unavailable.' },
    };
    const tenants = tenantsWithFailures(
      { synced: [], failed: [failedAcme, failedBeta] },
      previous,
      t0,
    );
    expect(tenants).toEqual([
      {
        tenantId: 'A-1',
        tenantName: 'Acme',
        tenantType: 'ORGANISATION',
        connectionId: 'c-1',
        syncFailure: {
          reason: 'Unavailable',
          message: 'Xero is unavailable.',
          since: t0.toISOString(),
        },
      },
      // Not in GET /connections now, but nothing was recorded: it stays until a recorded sync drops it.
      previous[1],
      {
        tenantId: 'b-2',
        tenantName: 'Beta',
        tenantType: 'ORGANISATION',
        connectionId: 'c-2',
        syncFailure: {
          reason: 'InsufficientPermissions',
          message: forbidden.message,
          since: t0.toISOString(),
        },
      },
    ]);
  });

  it('reports the failure as before, with status.tenants naming each organisation', () => {
    const report = failedSyncStatus(
      forbidden,
      { phase: 'sync', grant, fetched: { synced: [], failed: [failedBeta] } },
      { tenants: previous },
      t0,
    );
    expect(report.conditions.map((c) => `${c.type}=${c.status}/${c.reason}`)).toEqual([
      'Authenticated=True/TokenValid',
      'Synced=False/InsufficientPermissions',
      'PoliciesEvaluated=Unknown/SyncFailed',
    ]);
    expect(report.fields.tenants?.map((t) => [t.tenantId, t.syncFailure?.reason])).toEqual([
      ['a-1', undefined],
      ['gone', undefined],
      ['b-2', 'InsufficientPermissions'],
    ]);
  });
});

describe('an evaluation that fails after a partial sync', () => {
  it('still says which organisation was not synced', () => {
    const report = failedSyncStatus(
      {
        condition: 'PoliciesEvaluated',
        reason: 'DatabaseUnavailable',
        message: 'down',
        transient: true,
      },
      {
        phase: 'evaluate',
        grant,
        fetched: { synced: [acme], failed: [failedBeta] },
        syncedUsers: 4,
      },
      {},
      t0,
    );
    expect(report.conditions.map((c) => `${c.type}=${c.status}/${c.reason}`)).toEqual([
      'Authenticated=True/TokenValid',
      'Synced=False/PartiallySynced',
      'PoliciesEvaluated=False/DatabaseUnavailable',
    ]);
    expect(report.fields.tenants?.[1]?.syncFailure?.reason).toBe('InsufficientPermissions');
  });
});

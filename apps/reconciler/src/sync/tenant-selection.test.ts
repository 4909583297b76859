import { describe, expect, it } from 'vitest';
import {
  passOrder,
  retrySplit,
  selectedConnections,
  selectTenants,
  tenantMismatchMessage,
} from './tenant-selection.js';

const SPEC = '7a3e5f52-4b51-4c6a-9d1e-0f5b2c3a8e01';
const SECRET = '9c1d2e3f-6a7b-4c8d-8e9f-1a2b3c4d5e02';
const TOKENS = 'Secret finance/acme-tokens (spec.tokenSecretRef)';

describe('selectTenants', () => {
  it('monitors every tenant of the grant when neither spec.tenantId nor tenant_id is set', () => {
    expect(selectTenants({}, null, TOKENS)).toMatchObject({ tenantId: null, from: null });
  });

  it("monitors the token Secret's tenant_id only when spec.tenantId is unset", () => {
    expect(selectTenants({}, SECRET, TOKENS)).toMatchObject({
      tenantId: SECRET,
      from: 'secret',
      overriddenSecretTenantId: null,
    });
  });

  it('lets spec.tenantId win over a different tenant_id, and says which one it overrides', () => {
    expect(selectTenants({ tenantId: SPEC }, SECRET, TOKENS)).toMatchObject({
      tenantId: SPEC,
      from: 'spec',
      overriddenSecretTenantId: SECRET,
    });
    expect(selectTenants({ tenantId: SPEC }, null, TOKENS).overriddenSecretTenantId).toBeNull();
  });

  it('treats the same GUID in another case as the same tenant', () => {
    expect(
      selectTenants({ tenantId: SPEC }, SPEC.toUpperCase(), TOKENS).overriddenSecretTenantId,
    ).toBeNull();
  });
});

describe('tenantMismatchMessage', () => {
  it('names both tenant ids, the Secret and key, and what to do', () => {
    expect(tenantMismatchMessage(selectTenants({ tenantId: SPEC }, SECRET, TOKENS))).toBe(
      `spec.tenantId ${SPEC} and key tenant_id of ${TOKENS} (${SECRET}) name different ` +
        `organisations: monitoring ${SPEC} only, as spec.tenantId wins. ` +
        'Remove tenant_id from the Secret, or make the two agree.',
    );
  });
});

describe('selectedConnections', () => {
  const connections = [
    { id: 'c-spec', tenantId: SPEC },
    { id: 'c-secret', tenantId: SECRET },
  ];

  it('keeps every connection of the grant when no tenant is selected', () => {
    expect(selectedConnections(connections, { tenantId: null })).toEqual(connections);
  });

  it("keeps the selected tenant's connection, whatever the case of its GUID", () => {
    expect(selectedConnections(connections, { tenantId: SECRET.toUpperCase() })).toEqual([
      connections[1],
    ]);
  });

  it('keeps none when the selected tenant is not connected to the grant', () => {
    expect(
      selectedConnections(connections, { tenantId: '00000000-0000-4000-8000-000000000000' }),
    ).toEqual([]);
  });
});

describe('retrySplit', () => {
  const connections = [{ tenantId: 'A' }, { tenantId: 'b' }, { tenantId: 'c' }];

  it('keeps the organisations the partial sync synced and fetches the others, new ones too', () => {
    // B failed in the partial sync; C was connected to the grant since and never fetched.
    expect(retrySplit(connections, new Set(['a']))).toEqual({
      fetch: [{ tenantId: 'b' }, { tenantId: 'c' }],
      kept: [{ tenantId: 'A' }],
    });
  });
});

describe('passOrder', () => {
  it('takes those the last pass did not reach first and those that timed out last', () => {
    const connections = ['a', 'b', 'c', 'd', 'e', 'f'].map((tenantId) => ({ tenantId }));
    const last = [
      { tenantId: 'A', syncFailure: { reason: 'SyncTimedOut' } },
      { tenantId: 'b', syncFailure: { reason: 'InsufficientPermissions' } },
      { tenantId: 'c', syncFailure: { reason: 'NotAttempted' } },
      { tenantId: 'd' },
      { tenantId: 'e', syncFailure: { reason: 'NotAttempted' } },
    ];
    // f is new; the rest keep GET /connections order within their rank.
    expect(passOrder(connections, last).map((c) => c.tenantId)).toEqual([
      'c',
      'e',
      'b',
      'd',
      'f',
      'a',
    ]);
    expect(passOrder(connections, undefined)).toEqual(connections);
  });
});

import type { XeroConnection } from '@xero-access/crd';
import type { XeroConnection as XeroTenantConnection } from '@xero-access/xero-client';
import { describe, expect, it } from 'vitest';
import { selectTenants } from '../sync/tenant-selection.js';
import { nothingRevokedMessage, planRevocation, revokedMessage } from './revocation-plan.js';

const ACME = '7a3e5f52-4b51-4c6a-9d1e-0f5b2c3a8e01';
const PAYMENTS = '9c1d2e3f-6a7b-4c8d-8e9f-1a2b3c4d5e02';
const TOKENS = 'Secret finance/acme-tokens (spec.tokenSecretRef)';

function tenantConnection(id: string, tenantId: string, tenantName: string): XeroTenantConnection {
  return {
    id,
    tenantId,
    tenantName,
    tenantType: 'ORGANISATION',
  } as XeroTenantConnection;
}
const acmeConnection = tenantConnection('c-acme', ACME, 'Acme Ltd');
const paymentsConnection = tenantConnection('c-payments', PAYMENTS, 'Payments Ltd');

function xeroConnection(
  key: string,
  connectionIds: string[],
  extra: { deleting?: boolean } = {},
): XeroConnection {
  const [namespace, name] = key.split('/');
  return {
    metadata: {
      namespace,
      name,
      ...(extra.deleting ? { deletionTimestamp: new Date() } : {}),
    },
    spec: {},
    status: {
      tenants: connectionIds.map((connectionId) => ({
        tenantId: connectionId === 'c-acme' ? ACME : PAYMENTS,
        tenantName: connectionId === 'c-acme' ? 'Acme Ltd' : 'Payments Ltd',
        connectionId,
      })),
    },
  } as unknown as XeroConnection;
}

const deleting = xeroConnection('finance/acme', ['c-acme', 'c-payments'], { deleting: true });
const everyTenant = selectTenants({}, null, TOKENS);

describe('planRevocation', () => {
  it('disconnects every connection the grant has now, whatever status.tenants says', () => {
    const plan = planRevocation({
      deleting: xeroConnection('finance/acme', []),
      live: [acmeConnection, paymentsConnection],
      selection: everyTenant,
      others: [],
    });
    expect(plan).toEqual({
      disconnect: [acmeConnection, paymentsConnection],
      kept: [],
      nothingBecause: null,
    });
    expect(revokedMessage(plan)).toBe('Disconnected 2 organisation(s) from the grant in Xero.');
  });

  it('keeps a connection another live XeroConnection has in status.tenants, and names who', () => {
    const plan = planRevocation({
      deleting,
      live: [acmeConnection, paymentsConnection],
      selection: everyTenant,
      others: [
        deleting,
        xeroConnection('finance/payments', ['C-PAYMENTS']),
        xeroConnection('audit/payments', ['c-payments']),
      ],
    });
    expect(plan.disconnect).toEqual([acmeConnection]);
    expect(plan.kept).toEqual([
      { connection: paymentsConnection, monitoredBy: ['finance/payments', 'audit/payments'] },
    ]);
    expect(revokedMessage(plan)).toBe(
      'Disconnected 1 organisation(s) from the grant in Xero; kept 1 that other XeroConnections ' +
        'monitor too: Payments Ltd (finance/payments, audit/payments).',
    );
  });

  it('disconnects a connection only XeroConnections being deleted monitor', () => {
    const plan = planRevocation({
      deleting,
      live: [paymentsConnection],
      selection: everyTenant,
      others: [xeroConnection('finance/payments', ['c-payments'], { deleting: true })],
    });
    expect(plan.disconnect).toEqual([paymentsConnection]);
  });

  it('narrows to the selected tenant as the sync does', () => {
    const plan = planRevocation({
      deleting,
      live: [acmeConnection, paymentsConnection],
      selection: selectTenants({}, ACME.toUpperCase(), TOKENS),
      others: [],
    });
    expect(plan.disconnect).toEqual([acmeConnection]);
  });

  it('says why nothing is disconnected when every selected connection is kept', () => {
    const plan = planRevocation({
      deleting,
      live: [acmeConnection, paymentsConnection],
      selection: selectTenants({ tenantId: PAYMENTS }, null, TOKENS),
      others: [xeroConnection('finance/payments', ['c-payments'])],
    });
    expect(plan.disconnect).toEqual([]);
    expect(nothingRevokedMessage(plan)).toBe(
      'Revoked nothing in Xero: every organisation it monitors is monitored by other ' +
        'XeroConnections too, kept: Payments Ltd (finance/payments).',
    );
  });

  it('says why nothing is disconnected when the grant has no connection left', () => {
    const plan = planRevocation({ deleting, live: [], selection: everyTenant, others: [] });
    expect(nothingRevokedMessage(plan)).toBe(
      'Revoked nothing in Xero: GET /connections lists no organisation for the grant; Acme Ltd, ' +
        'Payments Ltd (status.tenants) already disconnected, by an earlier attempt or in Xero.',
    );
  });

  it("says why nothing is disconnected when the selected tenant is not the grant's", () => {
    const fromSecret = planRevocation({
      deleting: xeroConnection('finance/acme', []),
      live: [paymentsConnection],
      selection: selectTenants({}, ACME, TOKENS),
      others: [],
    });
    expect(nothingRevokedMessage(fromSecret)).toBe(
      `Revoked nothing in Xero: organisation ${ACME} (key tenant_id of ${TOKENS}) is not ` +
        'connected to the grant (GET /connections lists 1 other organisation(s)).',
    );
    const fromSpec = planRevocation({
      deleting: xeroConnection('finance/acme', ['c-acme']),
      live: [paymentsConnection],
      selection: selectTenants({ tenantId: ACME }, null, TOKENS),
      others: [],
    });
    expect(nothingRevokedMessage(fromSpec)).toBe(
      `Revoked nothing in Xero: organisation ${ACME} (spec.tenantId) is not connected to the ` +
        'grant (GET /connections lists 1 other organisation(s)); Acme Ltd (status.tenants) ' +
        'already disconnected, by an earlier attempt or in Xero.',
    );
  });
});

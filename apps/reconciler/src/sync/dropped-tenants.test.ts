import { describe, expect, it } from 'vitest';
import { droppedTenantMessage, droppedTenants } from './dropped-tenants.js';

const acme = { tenantId: 'a1', tenantName: 'Acme Ltd' };
const payments = { tenantId: 'B2', tenantName: 'Acme Payments' };

describe('droppedTenants', () => {
  it('finds the organisations the last sync monitored and this one did not', () => {
    expect(droppedTenants([acme, payments], [{ tenantId: 'a1' }])).toEqual([payments]);
    expect(droppedTenants([acme, payments], [{ tenantId: 'A1' }, { tenantId: 'b2' }])).toEqual([]);
    expect(droppedTenants(undefined, [{ tenantId: 'a1' }])).toEqual([]);
  });

  it('says which organisation, why, and what to do', () => {
    expect(droppedTenantMessage(payments)).toMatch(
      /^Organisation Acme Payments \(tenant B2\) is no longer monitored: .*reconnect it/,
    );
  });
});

import { describe, expect, it } from 'vitest';
import {
  disconnectedTenantsStatus,
  showsDisconnectedTenants,
} from './disconnected-tenants-status.js';

const northwind = {
  tenantId: 'b2c3d4e5-0000-4000-8000-000000000002',
  tenantName: 'Northwind',
  lastSyncTime: '2026-11-01T00:00:00.000Z',
  openFindings: 3,
};

describe('disconnectedTenantsStatus', () => {
  it('leaves the field out while there are none and never were', () => {
    expect(disconnectedTenantsStatus([], undefined)).toEqual({});
    expect(disconnectedTenantsStatus([], [])).toEqual({});
  });

  it('sends the list, and an empty list once the last one is gone', () => {
    expect(disconnectedTenantsStatus([northwind], undefined)).toEqual({
      disconnectedTenants: [northwind],
    });
    expect(disconnectedTenantsStatus([], [northwind])).toEqual({ disconnectedTenants: [] });
  });
});

describe('showsDisconnectedTenants', () => {
  it('compares field by field, whatever order the API server returns the keys in', () => {
    const shown = {
      disconnectedTenants: [
        {
          lastSyncTime: northwind.lastSyncTime,
          openFindings: 3,
          tenantId: northwind.tenantId,
          tenantName: 'Northwind',
        },
      ],
    };
    expect(showsDisconnectedTenants(shown, { disconnectedTenants: [northwind] })).toBe(true);
    expect(
      showsDisconnectedTenants(shown, { disconnectedTenants: [{ ...northwind, openFindings: 2 }] }),
    ).toBe(false);
    expect(showsDisconnectedTenants(shown, { disconnectedTenants: [] })).toBe(false);
    expect(showsDisconnectedTenants({}, {})).toBe(true);
  });
});

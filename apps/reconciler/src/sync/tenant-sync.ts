import {
  XeroError,
  xeroErrors,
  type CallOptions,
  type XeroClient,
  type XeroConnection as XeroTenantConnection,
  type XeroUser,
} from '@xero-access/xero-client';
import { selectedConnections, selectionSource, type TenantSelection } from './tenant-selection.js';

export interface SyncedTenant {
  tenantId: string;
  tenantName: string;
  tenantType: string;
  connectionId: string;
  users: XeroUser[];
  takenAt: Date;
}

/**
 * One pass over the grant: GET /connections picks the tenants (the selected one, or all of them),
 * then per tenant GET Organisation (proves token, tenant and scopes work) and GET Users. Every call
 * takes `options` (the reconcile's deadline: its signal, and no rate-limit wait beyond it).
 */
export async function syncTenants(
  client: XeroClient,
  accessToken: string,
  selection: TenantSelection,
  options: CallOptions = {},
): Promise<SyncedTenant[]> {
  const connections = await client.accounting.getConnections(accessToken, options);
  let selected: XeroTenantConnection[];
  if (selection.tenantId) {
    const [match] = selectedConnections(connections, selection);
    if (!match)
      throw xeroErrors.tenantDisconnected(
        'GET /connections',
        selection.tenantId,
        // A pre-filled tenant_id may as well name another organisation than the grant's.
        selection.from === 'secret' ? selectionSource(selection) : undefined,
      );
    selected = [match];
  } else {
    selected = connections;
    if (selected.length === 0) {
      throw new XeroError(
        'TenantDisconnected',
        'No organisation is connected to this grant any more (GET /connections is empty): the organisation was disconnected; reconnect it (authorize again).',
        { operation: 'GET /connections' },
      );
    }
  }
  const results: SyncedTenant[] = [];
  for (const tenant of selected) {
    const organisation = await client.accounting.getOrganisation(
      accessToken,
      tenant.tenantId,
      options,
    );
    const users = await client.accounting.getUsers(accessToken, tenant.tenantId, options);
    results.push({
      tenantId: tenant.tenantId,
      tenantName: tenant.tenantName ?? organisation.name,
      tenantType: tenant.tenantType,
      connectionId: tenant.id,
      users,
      takenAt: new Date(),
    });
  }
  return results;
}

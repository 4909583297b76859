import type { DisconnectedTenant, XeroConnectionStatus } from '@xero-access/crd';

export type DisconnectedTenantsStatus = Pick<XeroConnectionStatus, 'disconnectedTenants'>;

/**
 * `status.disconnectedTenants`: left out while there are none and never were; `[]` once the last
 * one is gone, because a merge patch keeps a field it is not sent.
 */
export function disconnectedTenantsStatus(
  next: DisconnectedTenant[],
  previous: readonly DisconnectedTenant[] | undefined,
): DisconnectedTenantsStatus {
  return next.length > 0 || (previous?.length ?? 0) > 0 ? { disconnectedTenants: next } : {};
}

/** Whether the status already shows these disconnected organisations. */
export function showsDisconnectedTenants(
  status: XeroConnectionStatus,
  next: DisconnectedTenantsStatus,
): boolean {
  const shown = status.disconnectedTenants ?? [];
  const wanted = next.disconnectedTenants ?? [];
  return (
    shown.length === wanted.length &&
    wanted.every((t, i) => FIELDS.every((field) => shown[i]![field] === t[field]))
  );
}

const FIELDS = ['tenantId', 'tenantName', 'lastSyncTime', 'openFindings'] as const;

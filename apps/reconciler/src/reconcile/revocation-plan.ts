import type { XeroConnection } from '@xero-access/crd';
import { type XeroConnection as XeroTenantConnection } from '@xero-access/xero-client';
import {
  selectedConnections,
  selectionSource,
  type TenantSelection,
} from '../sync/tenant-selection.js';

/** A connection of the grant left alone because other XeroConnections monitor it too. */
export interface KeptConnection {
  connection: XeroTenantConnection;
  /** `namespace/name` of each XeroConnection that monitors it. */
  monitoredBy: string[];
}

/** What revoking the grant of a deleted XeroConnection disconnects, and what it leaves alone. */
export interface RevocationPlan {
  /** DELETE /connections/{id} for each. */
  disconnect: XeroTenantConnection[];
  kept: KeptConnection[];
  /** Why nothing is disconnected, when nothing is. */
  nothingBecause: string | null;
}

export interface RevocationInput {
  /** The XeroConnection being deleted. */
  deleting: XeroConnection;
  /** GET /connections of its grant, read now. */
  live: XeroTenantConnection[];
  /** The organisations its sync monitors. */
  selection: TenantSelection;
  /** The XeroConnections in the watched namespaces (it may be among them). */
  others: XeroConnection[];
}

/**
 * The grant's connections now (not status.tenants, which may be stale or empty), narrowed as the
 * sync narrows them, minus those another live XeroConnection also has in its status.tenants: at
 * Xero, GET /connections lists every organisation the consenting user connected to the app, so
 * two XeroConnections authorized by the same person share connections.
 */
export function planRevocation(input: RevocationInput): RevocationPlan {
  const { live, selection } = input;
  const monitors = monitorsByConnectionId(input.deleting, input.others);
  const disconnect: XeroTenantConnection[] = [];
  const kept: KeptConnection[] = [];
  for (const connection of selectedConnections(live, selection)) {
    const monitoredBy = monitors.get(connection.id.toLowerCase());
    if (monitoredBy) kept.push({ connection, monitoredBy });
    else disconnect.push(connection);
  }
  return {
    disconnect,
    kept,
    nothingBecause: disconnect.length > 0 ? null : whyNothing(input, kept),
  };
}

/** The Normal Event's note once the plan's connections are disconnected. */
export function revokedMessage(plan: RevocationPlan): string {
  const done = `Disconnected ${plan.disconnect.length} organisation(s) from the grant in Xero`;
  if (plan.kept.length === 0) return `${done}.`;
  return `${done}; kept ${plan.kept.length} that other XeroConnections monitor too: ${describeKept(plan.kept)}.`;
}

/** The Warning Event's note when the plan disconnects nothing. */
export function nothingRevokedMessage(plan: RevocationPlan): string {
  return `Revoked nothing in Xero: ${plan.nothingBecause}.`;
}

function whyNothing(input: RevocationInput, kept: KeptConnection[]): string {
  const { live, selection } = input;
  if (kept.length > 0)
    return `every organisation it monitors is monitored by other XeroConnections too, kept: ${describeKept(kept)}`;
  const gone = alreadyDisconnected(input);
  if (live.length === 0) return `GET /connections lists no organisation for the grant${gone}`;
  return (
    `organisation ${selection.tenantId} (${selectionSource(selection)}) is not connected to the grant ` +
    `(GET /connections lists ${live.length} other organisation(s))${gone}`
  );
}

/** The organisations status.tenants names that the grant no longer has, as a clause. */
function alreadyDisconnected({ deleting, live }: RevocationInput): string {
  const liveIds = new Set(live.map((c) => c.id.toLowerCase()));
  const gone = (deleting.status?.tenants ?? []).filter(
    (t) => t.connectionId && !liveIds.has(t.connectionId.toLowerCase()),
  );
  if (gone.length === 0) return '';
  const names = gone.map((t) => t.tenantName || t.tenantId).join(', ');
  return `; ${names} (status.tenants) already disconnected, by an earlier attempt or in Xero`;
}

/** Connection id (lower case) → the other live XeroConnections with it in status.tenants. */
function monitorsByConnectionId(
  deleting: XeroConnection,
  others: XeroConnection[],
): Map<string, string[]> {
  const self = keyOf(deleting);
  const monitors = new Map<string, string[]>();
  for (const other of others) {
    if (other.metadata?.deletionTimestamp || keyOf(other) === self) continue;
    for (const tenant of other.status?.tenants ?? []) {
      if (!tenant.connectionId) continue;
      const id = tenant.connectionId.toLowerCase();
      monitors.set(id, [...(monitors.get(id) ?? []), keyOf(other)]);
    }
  }
  return monitors;
}

function describeKept(kept: KeptConnection[]): string {
  return kept
    .map(({ connection, monitoredBy }) => {
      const organisation = connection.tenantName || connection.tenantId;
      return `${organisation} (${monitoredBy.join(', ')})`;
    })
    .join(', ');
}

const keyOf = (connection: XeroConnection): string =>
  `${connection.metadata?.namespace}/${connection.metadata?.name}`;

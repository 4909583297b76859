import type { XeroConnection, XeroConnectionStatus } from '@xero-access/crd';
import type { FindingTransition } from '@xero-access/model';
import { findCondition, type ConditionInput } from '../status/conditions.js';
import { droppedTenantMessage, droppedTenants } from '../sync/dropped-tenants.js';
import type { EventRecorder } from './event-recorder.js';
import { summariseFindings } from './finding-summary.js';

/** What a finished sync tells the Events about. */
export interface SyncedForEvents {
  tenants: readonly { tenantId: string }[];
  /** Organisations monitored but not synced this time: not dropped. */
  failed?: readonly { tenant: { tenantId: string } }[];
  /** Organisations monitored and not fetched by a retry: not dropped either. */
  kept?: readonly { tenantId: string }[];
  transitions: readonly FindingTransition[];
}

/**
 * An Event when Ready changes: Normal when it became True or the connection was suspended on
 * purpose, Warning otherwise. `fenced`: a replica that stopped leading records nothing.
 */
export async function recordReadyChange(
  events: EventRecorder,
  connection: XeroConnection,
  previous: XeroConnectionStatus,
  ready: ConditionInput,
  fenced: AbortSignal,
): Promise<void> {
  const before = findCondition(previous.conditions, 'Ready');
  if (before?.status === ready.status && before.reason === ready.reason) return;
  const normal = ready.status === 'True' || ready.reason === 'Suspended';
  fenced.throwIfAborted();
  await events.record(
    connection,
    normal ? 'Normal' : 'Warning',
    ready.reason,
    'Reconcile',
    ready.message,
    fenced,
  );
}

/**
 * Warning Events about the connection for steps that report their own (the token manager's), with
 * the action they are filed under. `fenced`: a replica that stopped leading records nothing.
 */
export function warningsAbout(
  events: EventRecorder,
  connection: XeroConnection,
  action: string,
  fenced: AbortSignal,
): (reason: string, message: string) => Promise<void> {
  return async (reason, message) => {
    fenced.throwIfAborted();
    await events.record(connection, 'Warning', reason, action, message, fenced);
  };
}

/** The Events of one sync: Ready's change, organisations dropped, findings opened and resolved. */
export async function recordSyncEvents(
  events: EventRecorder,
  connection: XeroConnection,
  previous: XeroConnectionStatus,
  ready: ConditionInput,
  synced: SyncedForEvents | undefined,
  fenced: AbortSignal,
): Promise<void> {
  await recordReadyChange(events, connection, previous, ready, fenced);
  if (!synced) return;
  const monitored = [
    ...synced.tenants,
    ...(synced.kept ?? []),
    ...(synced.failed ?? []).map((f) => f.tenant),
  ];
  for (const tenant of droppedTenants(previous.tenants, monitored)) {
    fenced.throwIfAborted();
    await events.record(
      connection,
      'Warning',
      'TenantDisconnected',
      'Sync',
      droppedTenantMessage(tenant),
      fenced,
    );
  }
  await recordFindingEvents(events, connection, synced.transitions, fenced);
}

/**
 * A sync's FindingsOpened and FindingsResolved Events (a superseded sync's too, for the
 * organisations it applied). `fenced`: a replica that stopped leading records nothing.
 */
export async function recordFindingEvents(
  events: EventRecorder,
  connection: XeroConnection,
  transitions: readonly FindingTransition[],
  fenced: AbortSignal,
): Promise<void> {
  // Rotations are not Events: one per connection per sync would drown the rest
  // (status.refreshTokenRotatedAt and xao_token_refreshes_total show them).
  const opened = transitions.filter(
    (t) => t.type === 'opened' || t.type === 'reopened' || t.type === 'accepted-expired',
  );
  const resolved = transitions.filter((t) => t.type === 'resolved');
  if (opened.length > 0) {
    fenced.throwIfAborted();
    await events.record(
      connection,
      'Warning',
      'FindingsOpened',
      'Evaluate',
      summariseFindings(opened),
      fenced,
    );
  }
  if (resolved.length > 0) {
    fenced.throwIfAborted();
    await events.record(
      connection,
      'Normal',
      'FindingsResolved',
      'Evaluate',
      summariseFindings(resolved),
      fenced,
    );
  }
}

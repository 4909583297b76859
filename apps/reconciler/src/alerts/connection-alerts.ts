import type { XeroConnection } from '@xero-access/crd';
import type { FindingAlerts } from '@xero-access/model';
import type { EventRecorder } from '../events/event-recorder.js';
import { objectKey } from '../kube/object-key.js';
import type { AlertTargets } from './alert-targets.js';
import { findingAlertsFor } from './finding-alerts.js';

export interface ConnectionAlerts {
  /** What the findings update writes to the delivery log (undefined: no alert goes anywhere). */
  findingAlerts: FindingAlerts | undefined;
  /** The namespace's alerts Secret cannot be used: what PoliciesEvaluated adds (AlertRoute.invalid). */
  invalidTarget?: string;
}

/**
 * The alerts of a sync's findings: never held up by the namespace's alerts Secret. One that
 * cannot be used gets a Warning Event `InvalidAlertTarget` on the connection, once per problem;
 * one that cannot be read (nothing read earlier) fails the sync, which is retried.
 */
export async function connectionAlerts(
  targets: AlertTargets | undefined,
  events: EventRecorder,
  connection: XeroConnection,
  signal?: AbortSignal,
): Promise<ConnectionAlerts> {
  if (!targets) return { findingAlerts: undefined };
  const route = await targets.routeFor(connection.metadata!.namespace!, { signal });
  await warnOfInvalidTarget(targets, events, connection, route.invalid, signal);
  return {
    findingAlerts: findingAlertsFor(route),
    ...(route.invalid ? { invalidTarget: route.invalid } : {}),
  };
}

/** The `InvalidAlertTarget` Warning Event, unless the connection was told of this problem already. */
export async function warnOfInvalidTarget(
  targets: AlertTargets,
  events: EventRecorder,
  connection: XeroConnection,
  invalid: string | undefined,
  signal?: AbortSignal,
): Promise<void> {
  if (!targets.isNewProblem(objectKey(connection), invalid)) return;
  await events.record(
    connection,
    'Warning',
    'InvalidAlertTarget',
    'DeliverAlerts',
    invalid!,
    signal,
  );
}

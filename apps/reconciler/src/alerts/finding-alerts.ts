import type { FindingAlerts, FindingTransition } from '@xero-access/model';
import type { AlertRoute } from './alert-targets.js';

export type AlertEventType = 'finding.opened' | 'finding.resolved' | 'finding.accepted-expired';

/** Which transitions alert, and as what: a reopened finding is opened again. */
export function alertTypeOf(transition: FindingTransition['type']): AlertEventType {
  if (transition === 'resolved') return 'finding.resolved';
  if (transition === 'accepted-expired') return 'finding.accepted-expired';
  return 'finding.opened';
}

/**
 * How much of a finding an alert carries (ALERT_PAYLOAD_DETAIL): `full`, or `minimal`, without the
 * message and remediation, free text naming the Xero user's email, the staff member's name and when
 * they left, for receivers outside the organisation's control.
 */
export const ALERT_PAYLOAD_DETAILS = ['full', 'minimal'] as const;
export type AlertPayloadDetail = (typeof ALERT_PAYLOAD_DETAILS)[number];

export function alertPayload(
  transition: FindingTransition,
  detail: AlertPayloadDetail,
): Record<string, unknown> {
  const f = transition.finding;
  return {
    type: alertTypeOf(transition.type),
    transition: transition.type,
    eventId: transition.eventId,
    at: transition.at.toISOString(),
    connection: f.connection,
    finding: {
      id: f.id,
      tenantId: f.tenantId,
      check: f.check,
      severity: f.severity,
      status: f.status,
      subject: f.subject,
      ...(detail === 'full' ? { message: f.message, remediation: f.remediation } : {}),
      firstSeenAt: f.firstSeenAt.toISOString(),
      resolvedAt: f.resolvedAt?.toISOString() ?? null,
      snapshotId: f.snapshotId,
    },
  };
}

/**
 * The alerts of a findings update along `route`, at its payload detail (undefined: none go anywhere): the model writes
 * one delivery per transition and target (idempotent on the FindingEvent id), and one recorded
 * failed for an unusable namespace target, in the transaction that records the transitions, so an
 * alert survives a crash or a failure anywhere after evaluation.
 */
export function findingAlertsFor(route: AlertRoute): FindingAlerts | undefined {
  if (route.targets.length === 0 && !route.undeliverable) return undefined;
  return {
    targets: route.targets.map((t) => t.url),
    undeliverable: route.undeliverable ? [route.undeliverable] : [],
    delivery: (transition) => ({
      eventType: alertTypeOf(transition.type),
      payload: alertPayload(transition, route.payloadDetail),
    }),
  };
}

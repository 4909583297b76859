import type { FindingAlerts, FindingTransition } from '@xero-access/model';

export type AlertEventType = 'finding.opened' | 'finding.resolved' | 'finding.accepted-expired';

/** Which transitions alert, and as what: a reopened finding is opened again. */
export function alertTypeOf(transition: FindingTransition['type']): AlertEventType {
  if (transition === 'resolved') return 'finding.resolved';
  if (transition === 'accepted-expired') return 'finding.accepted-expired';
  return 'finding.opened';
}

export function alertPayload(transition: FindingTransition): Record<string, unknown> {
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
      message: f.message,
      remediation: f.remediation,
      firstSeenAt: f.firstSeenAt.toISOString(),
      resolvedAt: f.resolvedAt?.toISOString() ?? null,
      snapshotId: f.snapshotId,
    },
  };
}

/**
 * The alerts of a findings update, for `target`: the model writes one delivery per transition
 * (idempotent on the FindingEvent id) in the transaction that records the transitions, so an
 * alert survives a crash or a failure anywhere after evaluation.
 */
export function findingAlertsFor(target: string): FindingAlerts {
  return {
    target,
    delivery: (transition) => ({
      eventType: alertTypeOf(transition.type),
      payload: alertPayload(transition),
    }),
  };
}

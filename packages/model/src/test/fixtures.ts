import type { ReportedFinding } from '../findings/reported-finding.js';
import type { FindingAlerts } from '../services/finding-transitions.js';
import type { SnapshotUserInput } from '../snapshots/snapshot-user.js';

export const acme = { namespace: 'finance', name: 'acme' };
export const tenant = { tenantId: '11111111-1111-4111-8111-111111111111', tenantName: 'Acme Ltd' };

/** Xero users from `[userId, role]` pairs, with emails `<userId>@acme.test`. */
export function users(...rows: [string, string][]): SnapshotUserInput[] {
  return rows.map(([userId, organisationRole]) => ({
    userId,
    email: `${userId}@acme.test`,
    firstName: userId.toUpperCase(),
    lastName: 'Tester',
    organisationRole,
    isSubscriber: false,
    updatedDateUtc: '2026-11-01T00:00:00Z',
  }));
}

export function unidentified(
  userId: string,
  severity: ReportedFinding['severity'] = 'medium',
): ReportedFinding {
  return {
    check: 'user-identified',
    severity,
    subject: { kind: 'user', id: userId },
    message: `Xero user ${userId} is not tied to anyone in the staff directory`,
    remediation: 'Link the user to a staff member or remove them from Xero',
  };
}

export const at = (iso: string) => new Date(iso);

/** Finding alerts to `target`, one delivery per transition naming its type and finding. */
export function findingAlertsTo(target: string): FindingAlerts {
  return {
    targets: [target],
    delivery: (transition) => ({
      eventType: `finding.${transition.type}`,
      payload: { findingId: transition.finding.id },
    }),
  };
}

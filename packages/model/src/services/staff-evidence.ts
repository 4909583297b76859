import type { SqlEntityManager } from '@mikro-orm/knex';
import type { StaffMember } from '../entities/staff-member.js';
import { addAuditEntry, type AuditActor } from './audit.js';

/** The fields the access checks judge a member by: overwriting one overwrites evidence. */
const EVIDENCE_FIELDS = ['status', 'offboardedAt', 'email', 'orgRole'] as const;

export type StaffEvidence = Record<(typeof EVIDENCE_FIELDS)[number], string | null>;

/** A member's evidence fields as the audit log keeps them (dates as ISO-8601). */
export function staffEvidence(member: StaffMember): StaffEvidence {
  return {
    status: member.status,
    offboardedAt: member.offboardedAt?.toISOString() ?? null,
    email: member.email,
    orgRole: member.orgRole,
  };
}

/**
 * Adds a `staff.update` audit entry to `em` (the change's own transaction, as reviveMember does)
 * with the previous and next value of each evidence field the change made differ from `before`;
 * nothing when none did. Without it an overwritten leaving date is gone, and the finding the
 * change resolves looks like real remediation.
 */
export function recordStaffChange(
  em: SqlEntityManager,
  member: StaffMember,
  before: StaffEvidence,
  by: AuditActor,
  now: Date,
): void {
  const after = staffEvidence(member);
  const changed = EVIDENCE_FIELDS.filter((field) => before[field] !== after[field]);
  if (changed.length === 0) return;
  const pick = (values: StaffEvidence) =>
    Object.fromEntries(changed.map((field) => [field, values[field]]));
  addAuditEntry(
    em,
    {
      ...by,
      action: 'staff.update',
      resourceType: 'staff',
      resourceId: member.id,
      details: { previous: pick(before), next: pick(after) },
    },
    now,
  );
}

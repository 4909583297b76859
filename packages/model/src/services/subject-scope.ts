import { raw } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/knex';
import { StaffMember } from '../entities/staff-member.js';
import type { SubjectScope } from './subject-rows.js';
import { xeroUsersOf, type SubjectXeroUser } from './subject-users.js';

/** Whether the member's email was used to find their rows, and if not, what was left out and why. */
export interface SubjectEmailTies {
  used: boolean;
  /** How many other staff members, live or deleted, hold the same email. */
  otherMembers: number;
  /** The ties by email not used (empty when used). */
  leftOut: string[];
  /** Why they were left out; null when used. */
  reason: string | null;
}

/** What matches a person by their email alone: left out when the email is not theirs alone. */
const EMAIL_TIES: readonly string[] = [
  'xeroUsers tied by email (a Xero user whose email in a newest snapshot is theirs)',
  'apiTokens whose ownerEmail is theirs, and the audit entries of those tokens',
  'auditLog entries by oidc:<their email>',
  'reviewDecisions whose email is theirs (about a Xero user not otherwise tied to them)',
  'reviewDecisionsMade, reviewDecisionEventsMade and accessReviews by oidc:<their email>',
];

/**
 * The person one staff member is, for the export and the erasure: the Xero users tied to them and
 * the scope their rows are found by (subject-rows.ts). Their email ties them only while no other
 * staff member, live or deleted, holds it (case-insensitively): a leaver's address given to a new
 * hire would otherwise mix two people, so then only their account links tie Xero users to them,
 * and nothing else is matched by the email (who held it when is not recorded: an email can change,
 * and a record is created after its person first acts). `emailTies` says so.
 */
export async function subjectOf(
  em: SqlEntityManager,
  member: Pick<StaffMember, 'id' | 'email'>,
): Promise<{ users: SubjectXeroUser[]; scope: SubjectScope; emailTies: SubjectEmailTies }> {
  const address = member.email.trim().toLowerCase();
  const otherMembers = await em.count(StaffMember, {
    [raw('lower(email)')]: address,
    id: { $ne: member.id },
  });
  const email = otherMembers === 0 ? address : null;
  const users = await xeroUsersOf(em, member.id, email);
  const emailTies: SubjectEmailTies =
    email === null
      ? {
          used: false,
          otherMembers,
          leftOut: [...EMAIL_TIES],
          reason:
            `${otherMembers} other staff member${otherMembers === 1 ? '' : 's'} (live or ` +
            'deleted) hold this email too, and what names only the email cannot tell whose it ' +
            'is: only account links tie Xero users to this member, and rows matching the email ' +
            'alone are left out (of the export, and of an erasure, which leaves them as they are)',
        }
      : { used: true, otherMembers: 0, leftOut: [], reason: null };
  return {
    users,
    scope: { staffId: member.id, userIds: users.map((u) => u.userId), email },
    emailTies,
  };
}

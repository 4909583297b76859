import { LockMode, type FilterQuery } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/knex';
import { AccessReview } from '../entities/access-review.js';
import { Finding } from '../entities/finding.js';
import { ReviewDecisionEvent } from '../entities/review-decision-event.js';
import { ReviewDecision } from '../entities/review-decision.js';
import { StaffMember } from '../entities/staff-member.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { addAuditEntry, type AuditActor } from './audit.js';
import type { Dialect } from '../orm/database-url.js';
import { toStaffRecord, type StaffRecord } from './staff.js';
import { subjectRows } from './subject-rows.js';
import { subjectOf, type SubjectEmailTies } from './subject-scope.js';
import type { SubjectXeroUser } from './subject-users.js';

/** The name an erased person is shown by, wherever their name was. */
export const ERASED_NAME = '[erased]';

/** The email an erased member (and review decisions about them) gets: unique, never deliverable. */
export function erasedEmail(staffId: string): string {
  return `erased-${staffId}@erased.invalid`;
}

/** What an erased reviewer's `oidc:<email>` becomes in review campaigns and decisions. */
export function erasedActor(staffId: string): string {
  return `erased:${staffId}`;
}

/** What an erasure replaced, besides the staff record (counts of rows). */
export interface ErasureResult {
  staffId: string;
  /** The Xero users tied to the member when erased (links and email matches). */
  xeroUserIds: string[];
  /** Decisions about those users (or with the member's email) whose email and name were replaced. */
  reviewDecisionsAbout: number;
  /** Decisions (and history events) the member made, whose `decidedBy` was replaced. */
  reviewDecisionsDecided: number;
  reviewDecisionEvents: number;
  /** Campaigns whose `createdBy` or `completedBy` was replaced (counted once per column). */
  accessReviews: number;
  /** Whether their email was matched; when another member holds it too, nothing was by it. */
  emailTies: SubjectEmailTies;
}

/** An erasure's outcome: the member as it now is, and what else was replaced. */
export interface StaffErasure {
  staff: StaffRecord;
  erased: ErasureResult;
}

/**
 * Refuses (409) a member the identity provider has not deleted: it still manages them, and its
 * next SCIM PUT or PATCH would write their name and email back (and a POST of them create them
 * again), undoing the erasure.
 */
function refuseWhileNotDeleted(member: StaffMember): void {
  if (member.deletedAt) return;
  const left = member.offboardedAt ? `, offboarded ${member.offboardedAt.toISOString()}` : '';
  throw new ConflictError(
    `staff member ${member.id} cannot be erased: they are not deleted (status ` +
      `${member.status}${left}, no deletedAt), so the identity provider's next SCIM PUT or PATCH ` +
      'of them, or a POST of them again, would bring their name and email back; deprovision them ' +
      `first (SCIM DELETE /scim/v2/Users/${member.id}, which the identity provider sends when ` +
      'the person is removed there; for a member no identity provider manages, send it with a ' +
      'scim token), then erase',
  );
}

/** Replaces `data` in the rows `where` names (none when null); the count of rows matched. */
async function rewrite<E extends object>(
  em: SqlEntityManager,
  entity: new () => E,
  where: FilterQuery<E> | null,
  data: Partial<E>,
): Promise<number> {
  return where === null ? 0 : em.nativeUpdate(entity, where, data as never);
}

/**
 * Refuses (409) while a Xero user tied to the person still has access, naming where. A tenant no
 * sync records again (its connection deleted, or no longer connected) does not count: no sync
 * will ever record the user REMOVED there.
 */
function refuseWhileAccess(staffId: string, users: SubjectXeroUser[]): void {
  for (const user of users) {
    const access = user.appearances.find((a) => a.connected && a.organisationRole !== 'REMOVED');
    if (!access) continue;
    throw new ConflictError(
      `staff member ${staffId} cannot be erased: Xero user ${user.userId} (tied by ` +
        `${user.tiedBy.join(' and ')}) has role ${access.organisationRole} in the newest snapshot ` +
        `(${access.sequence}) of tenant ${access.tenantId} of ` +
        `${access.connection.namespace}/${access.connection.name}; remove the access in Xero and ` +
        'let a sync record it first (the access check needs to know whose it is until then)',
    );
  }
}

/** Refuses (409) while a finding about those users is open or accepted, naming them. */
async function refuseWhileFindings(
  em: SqlEntityManager,
  staffId: string,
  userIds: string[],
): Promise<void> {
  if (userIds.length === 0) return;
  const unresolved = await em.find(
    Finding,
    { subjectKind: 'user', subjectId: { $in: userIds }, status: { $in: ['open', 'accepted'] } },
    { orderBy: { id: 'asc' }, limit: 5, fields: ['id', 'status', 'check', 'subjectId'] },
  );
  if (unresolved.length === 0) return;
  const named = unresolved.map((f) => `${f.id} (${f.check}, ${f.subjectId}, ${f.status})`);
  throw new ConflictError(
    `staff member ${staffId} cannot be erased: findings about their Xero users are not resolved ` +
      `(${named.join('; ')}${unresolved.length === 5 ? '; …' : ''}): an open or accepted finding ` +
      'still needs to name the person; resolve them first (an accepted one reopens when its ' +
      'acceptance ends, so withdraw it or let it resolve)',
  );
}

/**
 * GDPR Art. 17: replaces the member's name, email and externalId with placeholders, and, in the
 * review rows subjectRows names (the ones the export lists), the user's email and name in
 * decisions about them, and the actor where they reviewed (`oidc:<their email>`: `decidedBy`, a
 * campaign's `createdBy` and `completedBy`); what their email alone names is left as it is when
 * another staff member holds the email too (subjectOf). Refused (ConflictError) while the member
 * is not deleted (SCIM DELETE: `deletedAt`), while one of those users has a role other than
 * REMOVED in the newest snapshot of a tenant still connected, or a finding about one is open or
 * accepted.
 * Snapshots, findings, finding events and the audit log are left as they are (hashed evidence,
 * and records of who did what; see docs/personal-data.md). Adds a `staff.erase` audit entry in
 * the same transaction, naming no email.
 */
export async function eraseStaffMember(
  em: SqlEntityManager,
  dialect: Dialect,
  staffId: string,
  by: AuditActor,
  now: Date,
): Promise<StaffErasure> {
  const member = await em.findOne(
    StaffMember,
    { id: staffId },
    dialect === 'postgresql' ? { lockMode: LockMode.PESSIMISTIC_WRITE } : {},
  );
  if (!member) throw new NotFoundError('staff member', staffId);
  refuseWhileNotDeleted(member);
  const { users, scope, emailTies } = await subjectOf(em, member);
  refuseWhileAccess(staffId, users);
  const userIds = scope.userIds;
  await refuseWhileFindings(em, staffId, userIds);

  const actor = erasedActor(staffId);
  const subjects = await rewrite(em, ReviewDecision, subjectRows.decisionsAbout(scope), {
    email: erasedEmail(staffId),
    name: ERASED_NAME,
  });
  const reviewed = await rewrite(em, ReviewDecision, subjectRows.decisionsMade(scope), {
    decidedBy: actor,
  });
  const events = await rewrite(em, ReviewDecisionEvent, subjectRows.decisionEventsMade(scope), {
    decidedBy: actor,
  });
  const started = await rewrite(em, AccessReview, subjectRows.reviewsCreated(scope), {
    createdBy: actor,
  });
  const completed = await rewrite(em, AccessReview, subjectRows.reviewsCompleted(scope), {
    completedBy: actor,
  });

  member.email = erasedEmail(staffId);
  member.name = ERASED_NAME;
  member.externalId = null;
  member.updatedAt = now;
  const result: ErasureResult = {
    staffId,
    xeroUserIds: userIds,
    reviewDecisionsAbout: subjects,
    reviewDecisionsDecided: reviewed,
    reviewDecisionEvents: events,
    accessReviews: started + completed,
    emailTies,
  };
  addAuditEntry(
    em,
    {
      ...by,
      action: 'staff.erase',
      resourceType: 'staff',
      resourceId: staffId,
      details: { erased: ['name', 'email', 'externalId'], ...result },
    },
    now,
  );
  await em.flush();
  return { staff: toStaffRecord(member), erased: result };
}

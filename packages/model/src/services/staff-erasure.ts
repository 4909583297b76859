import { LockMode, raw } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/knex';
import { AccessReview } from '../entities/access-review.js';
import { Finding } from '../entities/finding.js';
import { ReviewDecisionEvent } from '../entities/review-decision-event.js';
import { ReviewDecision } from '../entities/review-decision.js';
import { StaffMember } from '../entities/staff-member.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { addAuditEntry, type AuditActor } from './audit.js';
import type { Dialect } from '../orm/database-url.js';
import { xeroUsersOf, type SubjectXeroUser } from './subject-users.js';

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
}

/** Refuses (409) while a Xero user tied to the person still has access, naming where. */
function refuseWhileAccess(staffId: string, users: SubjectXeroUser[]): void {
  for (const user of users) {
    const access = user.appearances.find((a) => a.organisationRole !== 'REMOVED');
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
 * GDPR Art. 17: replaces the member's name, email and externalId with placeholders, and, in
 * review decisions about the Xero users tied to them (or with their email), the user's email and
 * name; where they reviewed (`oidc:<their email>`: `decidedBy`, a campaign's `createdBy` and
 * `completedBy`), the actor. Refused (ConflictError) while one of those users has a role other
 * than REMOVED in the newest snapshot of a tenant, or a finding about one is open or accepted.
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
): Promise<ErasureResult> {
  const member = await em.findOne(
    StaffMember,
    { id: staffId },
    dialect === 'postgresql' ? { lockMode: LockMode.PESSIMISTIC_WRITE } : {},
  );
  if (!member) throw new NotFoundError('staff member', staffId);
  const users = await xeroUsersOf(em, member);
  refuseWhileAccess(staffId, users);
  const userIds = users.map((u) => u.userId);
  await refuseWhileFindings(em, staffId, userIds);

  const email = member.email.trim().toLowerCase();
  // A raw key is spent by the query it is used in: each query gets its own.
  const reviewer = () => ({ [raw('lower(decided_by)')]: `oidc:${email}` });
  const placeholder = { email: erasedEmail(staffId), name: ERASED_NAME };
  const subjects = await em.nativeUpdate(
    ReviewDecision,
    { $or: [{ userId: { $in: userIds } }, { [raw('lower(email)')]: email }] },
    placeholder,
  );
  const reviewed = await em.nativeUpdate(ReviewDecision, reviewer(), {
    decidedBy: erasedActor(staffId),
  });
  const events = await em.nativeUpdate(ReviewDecisionEvent, reviewer(), {
    decidedBy: erasedActor(staffId),
  });
  const started = await em.nativeUpdate(
    AccessReview,
    { [raw('lower(created_by)')]: `oidc:${email}` },
    { createdBy: erasedActor(staffId) },
  );
  const completed = await em.nativeUpdate(
    AccessReview,
    { [raw('lower(completed_by)')]: `oidc:${email}` },
    { completedBy: erasedActor(staffId) },
  );

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
  return result;
}

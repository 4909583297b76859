import type { SqlEntityManager } from '@mikro-orm/knex';
import { AccountLink } from '../entities/account-link.js';
import type { StaffMember } from '../entities/staff-member.js';
import { addAuditEntry, type AuditActor } from './audit.js';
import { assign, type StaffData } from './staff-input.js';

/**
 * Which member deleted with the email being provisioned (`deleted`, the latest deletion first) is
 * the person provisioned again: the one whose externalId is `externalId`. When neither has one,
 * the email alone decides, as it always did: a provider that sends no externalId gives nothing
 * else to tell a rehire from a new hire given a leaver's address. An externalId on one side only,
 * or another one, is someone else.
 */
export function rehiredMember(
  deleted: readonly StaffMember[],
  externalId: string | null,
): StaffMember | undefined {
  return deleted.find((m) => m.externalId === externalId);
}

/**
 * Brings back a member the identity provider deleted, as the person it provisions again with the
 * same email and externalId (a rehire, see rehiredMember): same id, the new data applied,
 * deletedAt cleared. Their account links stay: they are the same person's Xero logins, now judged
 * by the new role. What the revival overwrites (the leaver's offboarding, deletion and role) is
 * audit evidence, so it goes to the audit log in the same transaction.
 */
export async function reviveMember(
  em: SqlEntityManager,
  member: StaffMember,
  data: StaffData,
  by: AuditActor,
  now: Date,
): Promise<void> {
  const links = await em.find(AccountLink, { staff: member.id }, { orderBy: { userId: 'asc' } });
  addAuditEntry(
    em,
    {
      ...by,
      action: 'staff.revive',
      resourceType: 'staff',
      resourceId: member.id,
      details: {
        previous: {
          status: member.status,
          offboardedAt: member.offboardedAt?.toISOString() ?? null,
          deletedAt: member.deletedAt?.toISOString() ?? null,
          externalId: member.externalId,
          orgRole: member.orgRole,
          source: member.source,
        },
        accountLinksKept: links.map((l) => l.userId),
      },
    },
    now,
  );
  assign(member, data, now);
  member.deletedAt = null;
}

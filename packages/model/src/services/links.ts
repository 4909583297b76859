import type { SqlEntityManager } from '@mikro-orm/knex';
import { z } from 'zod';
import { AccountLink } from '../entities/account-link.js';
import { StaffMember } from '../entities/staff-member.js';
import { NotFoundError, ValidationError } from '../errors.js';
import { isUuid, newId, xeroUserIdKey } from '../ids.js';
import { addAuditEntry, type AuditActor } from './audit.js';
import type { ServiceContext } from './context.js';
import {
  decodeCursor,
  encodeCursor,
  pageSize,
  toPage,
  type Page,
  type PageRequest,
} from './pagination.js';

export interface AccountLinkRecord {
  id: string;
  /** Xero UserID. */
  userId: string;
  staffId: string | null;
  nonHuman: boolean;
  justification: string | null;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A link as the policy input expects it (design.md, "accountLinks"). */
export type PolicyAccountLink =
  { userId: string; staffId: string } | { userId: string; nonHuman: true; justification: string };

export const accountLinkInputSchema = z.union([
  z.object({ staffId: z.string().uuid() }).strict(),
  z
    .object({ nonHuman: z.literal(true), justification: z.string().trim().min(1).max(10_000) })
    .strict(),
]);

export type AccountLinkInput = z.input<typeof accountLinkInputSchema>;

export function toAccountLinkRecord(l: AccountLink): AccountLinkRecord {
  return {
    id: l.id,
    userId: l.userId,
    staffId: l.staff?.id ?? null,
    nonHuman: l.nonHuman,
    justification: l.justification,
    createdBy: l.createdBy,
    createdAt: l.createdAt,
    updatedAt: l.updatedAt,
  };
}

/** Whom a link says a Xero user is: what a re-point or a delete overwrites. */
interface LinkTarget {
  staffId: string | null;
  nonHuman: boolean;
  justification: string | null;
}

function targetOf(l: AccountLink): LinkTarget {
  return { staffId: l.staff?.id ?? null, nonHuman: l.nonHuman, justification: l.justification };
}

const sameTarget = (a: LinkTarget, b: LinkTarget) =>
  a.staffId === b.staffId && a.nonHuman === b.nonHuman && a.justification === b.justification;

/**
 * Audits, in the change's own transaction (as reviveMember does), a link the change overwrites:
 * without it the finding the change resolves looks like real remediation and the person the Xero
 * user was tied to is gone.
 */
function recordLinkChange(
  em: SqlEntityManager,
  action: 'link.replace' | 'link.delete',
  userId: string,
  details: { previous: LinkTarget; next?: LinkTarget },
  by: AuditActor,
  now: Date,
): void {
  addAuditEntry(em, { ...by, action, resourceType: 'links', resourceId: userId, details }, now);
}

export function toPolicyLink(l: AccountLinkRecord): PolicyAccountLink {
  return l.nonHuman
    ? { userId: l.userId, nonHuman: true, justification: l.justification ?? '' }
    : { userId: l.userId, staffId: l.staffId ?? '' };
}

export class AccountLinkService {
  constructor(private readonly ctx: ServiceContext) {}

  /**
   * Links a Xero UserID to a staff member or marks it non-human; replaces any earlier link, and a
   * replacement that changes its target is audited (`link.replace`, by `by`).
   */
  async link(
    xeroUserId: string,
    input: AccountLinkInput,
    by: AuditActor,
    now = new Date(),
  ): Promise<AccountLinkRecord> {
    const userId = xeroUserIdKey(xeroUserId);
    const parsed = accountLinkInputSchema.safeParse(input);
    if (!parsed.success) {
      throw new ValidationError(
        'link',
        'must be either {staffId} (a staff member id) or {nonHuman: true, justification} with a non-empty justification',
      );
    }
    const data = parsed.data;
    return this.ctx.em().transactional(async (em) => {
      const staff = 'staffId' in data ? await em.findOne(StaffMember, { id: data.staffId }) : null;
      if ('staffId' in data && !staff)
        throw new ValidationError('staffId', `no staff member ${data.staffId}`);
      const existing = await em.findOne(AccountLink, { userId });
      const previous = existing ? targetOf(existing) : null;
      const link =
        existing ??
        em.create(AccountLink, {
          id: newId(),
          userId,
          nonHuman: false,
          // Who created the link stays; who changed it later is in the audit log.
          createdBy: by.actor,
          createdAt: now,
          updatedAt: now,
        });
      link.staff = staff;
      link.nonHuman = 'nonHuman' in data;
      link.justification = 'nonHuman' in data ? data.justification : null;
      link.updatedAt = now;
      const next = targetOf(link);
      if (previous && !sameTarget(previous, next))
        recordLinkChange(em, 'link.replace', userId, { previous, next }, by, now);
      await em.flush();
      return toAccountLinkRecord(link);
    });
  }

  /**
   * Removes the link, audited (`link.delete`, by `by`, with whom it tied the user to); returns it
   * as it was (with the UserID in its stored, lowercase form).
   */
  async unlink(userId: string, by: AuditActor, now = new Date()): Promise<AccountLinkRecord> {
    return this.ctx.em().transactional(async (em) => {
      const link = await em.findOne(AccountLink, { userId: xeroUserIdKey(userId) });
      if (!link) throw new NotFoundError('account link', userId);
      const removed = toAccountLinkRecord(link);
      recordLinkChange(em, 'link.delete', link.userId, { previous: targetOf(link) }, by, now);
      em.remove(link);
      await em.flush();
      return removed;
    });
  }

  async get(userId: string): Promise<AccountLinkRecord | null> {
    const link = await this.ctx.em().findOne(AccountLink, { userId: xeroUserIdKey(userId) });
    return link ? toAccountLinkRecord(link) : null;
  }

  /** By Xero UserID, keyset-paginated; optionally one staff member's links. */
  async list(options: PageRequest & { staffId?: string } = {}): Promise<Page<AccountLinkRecord>> {
    const limit = pageSize(options.limit);
    const where: Record<string, unknown> = {};
    if (options.staffId !== undefined && !isUuid(options.staffId))
      throw new ValidationError('staffId', 'must be a staff member id (UUID)');
    if (options.staffId !== undefined) where.staff = options.staffId;
    if (options.cursor) where.userId = { $gt: String(decodeCursor(options.cursor, 'links').value) };
    const rows = await this.ctx
      .em()
      .find(AccountLink, where, { orderBy: { userId: 'asc' }, limit: limit + 1 });
    return toPage(rows, limit, toAccountLinkRecord, (l) => encodeCursor('links', l.userId, l.id));
  }

  /** The Xero UserIDs linked to any of these staff members: one query per 500 members. */
  async linkedUserIds(staffIds: Iterable<string>): Promise<string[]> {
    const ids = [...new Set(staffIds)];
    const bad = ids.find((id) => !isUuid(id));
    if (bad !== undefined) throw new ValidationError('staffId', 'must be a staff member id (UUID)');
    const rows = await this.linksWhereIn('staff', ids);
    return rows.map((l) => l.userId);
  }

  /** The links for these Xero UserIDs, in policy-input form. */
  async forUsers(userIds: readonly string[]): Promise<PolicyAccountLink[]> {
    const rows = await this.linksWhereIn('userId', userIds);
    return rows.map((l) => toPolicyLink(toAccountLinkRecord(l)));
  }

  /** Links whose `field` is any of `values`, by UserID: one query per 500 values. */
  private async linksWhereIn(
    field: 'staff' | 'userId',
    values: readonly string[],
  ): Promise<AccountLink[]> {
    const em = this.ctx.em();
    const rows: AccountLink[] = [];
    for (let i = 0; i < values.length; i += 500) {
      const chunk = values.slice(i, i + 500);
      rows.push(
        ...(await em.find(
          AccountLink,
          field === 'staff' ? { staff: { $in: chunk } } : { userId: { $in: chunk } },
          { orderBy: { userId: 'asc' } },
        )),
      );
    }
    return rows;
  }
}

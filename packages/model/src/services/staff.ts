import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/knex';
import { StaffMember, type StaffSource, type StaffStatus } from '../entities/staff-member.js';
import { ConflictError, NotFoundError, PageRequestError, ValidationError } from '../errors.js';
import { isUuid, newId } from '../ids.js';
import type { AuditActor } from './audit.js';
import type { ServiceContext } from './context.js';
import {
  assertLeftAlready,
  assign,
  parse,
  sameAs,
  staffInputSchema,
  type StaffData,
  type StaffInput,
} from './staff-input.js';
import { recordStaffChange, staffEvidence } from './staff-evidence.js';
import { rehiredMember, reviveMember } from './staff-revival.js';
import { decodeTextCursor, timeOrderedPage, type Page, type PageRequest } from './pagination.js';

export { staffInputSchema, type StaffInput } from './staff-input.js';

export interface StaffRecord {
  id: string;
  email: string;
  name: string;
  orgRole: string | null;
  status: StaffStatus;
  offboardedAt: Date | null;
  externalId: string | null;
  source: StaffSource;
  /** When the identity provider deleted the member (SCIM DELETE); the record is kept. */
  deletedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export function toStaffRecord(s: StaffMember): StaffRecord {
  return {
    id: s.id,
    email: s.email,
    name: s.name,
    orgRole: s.orgRole,
    status: s.status,
    offboardedAt: s.offboardedAt,
    externalId: s.externalId,
    source: s.source,
    deletedAt: s.deletedAt,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
  };
}

/** A cursor of the listing by email (until this release), whose pages a rename could upset. */
function refuseEmailOrderCursor(cursor: string): void {
  try {
    decodeTextCursor(cursor, 'staff');
  } catch {
    return; // not one of those: the listing's own check answers it
  }
  throw new PageRequestError(
    'cursor',
    'is a cursor of the earlier listing by email, which is no longer offered (members are listed ' +
      'in the order they were added); list again from the first page, without cursor',
  );
}

/** A new active member from validated input; the source defaults to how it arrived. */
function createMember(
  em: SqlEntityManager,
  data: StaffInput,
  defaultSource: StaffSource,
  now: Date,
): StaffMember {
  const member = em.create(StaffMember, {
    id: newId(),
    email: data.email,
    name: data.name,
    status: 'active',
    source: data.source ?? defaultSource,
    createdAt: now,
    updatedAt: now,
  });
  assign(member, data, now);
  return member;
}

/**
 * An import row applied to an existing member: what the row leaves out (a column the file does not
 * have) keeps the member's value, while a null (an empty cell) clears it. Without a status (and
 * without a leaving date, which makes the row offboarded) the member keeps their status and
 * offboarding date: an HR export that leaves the column empty must not reactivate leavers (and
 * hide their findings). The source stays how the member arrived.
 */
function keepWhatTheRowLeavesOut(row: StaffData, member: StaffMember): StaffData {
  return {
    ...row,
    orgRole: row.orgRole === undefined ? member.orgRole : row.orgRole,
    externalId: row.externalId === undefined ? member.externalId : row.externalId,
    status: row.status ?? member.status,
    // A leaver's date is only replaced by another date (assign keeps it otherwise).
    offboardedAt: row.offboardedAt ?? undefined,
    source: member.source,
  };
}

/**
 * A member the identity provider deleted is its audit evidence, and only the provider brings them
 * back (a SCIM POST with their userName): an import or an admin's change that would reactivate one
 * is refused, naming `field`.
 */
function refuseReactivatingDeleted(
  status: StaffStatus | undefined,
  member: StaffMember,
  field: string,
): void {
  if (status !== 'active' || !member.deletedAt) return;
  throw new ValidationError(
    field,
    `active, but the identity provider deleted this member (SCIM DELETE, ` +
      `${member.deletedAt.toISOString()}); only the identity provider brings them back: ` +
      'provision them again there, or leave the status out',
  );
}

/**
 * A leaver's `offboardedAt` is when they left, and offboarded-access-removed counts their grace
 * period from it: a patch clearing it (`null`) while they stay offboarded is refused, naming the
 * field, rather than ignored. Reactivating (`status: active`) clears it.
 */
function refuseClearingLeavingDate(patch: Partial<StaffInput>, member: StaffMember): void {
  if (patch.offboardedAt !== null || member.status !== 'offboarded') return;
  if ((patch.status ?? member.status) !== 'offboarded') return;
  const left = member.offboardedAt ? ` (${member.offboardedAt.toISOString()})` : '';
  throw new ValidationError(
    'offboardedAt',
    `cannot be cleared while the member is offboarded: it records when they left${left}, and ` +
      'offboarded-access-removed counts the grace period from it; give the time they left ' +
      'instead, or set status active to reinstate them (which clears it)',
  );
}

async function conflictAware<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof UniqueConstraintViolationException)
      throw new ConflictError('a staff member with this email or externalId already exists');
    throw error;
  }
}

export interface ImportResult {
  created: number;
  updated: number;
  unchanged: number;
  /** Rows for members the identity provider deleted: left as they are (audit evidence). */
  skipped: number;
  /** Ids of the members updated (created ones are new, so nothing refers to them yet). */
  updatedIds: string[];
}

export class StaffService {
  constructor(private readonly ctx: ServiceContext) {}

  async create(input: StaffInput, now = new Date()): Promise<StaffRecord> {
    const data = parse(staffInputSchema, input);
    assertLeftAlready(data.offboardedAt, now);
    return conflictAware(() =>
      this.ctx.em().transactional(async (em) => {
        const member = createMember(em, data, 'manual', now);
        await em.flush();
        return toStaffRecord(member);
      }),
    );
  }

  async get(id: string): Promise<StaffRecord | null> {
    if (!isUuid(id)) return null;
    const member = await this.ctx.em().findOne(StaffMember, { id });
    return member ? toStaffRecord(member) : null;
  }

  /**
   * Case-insensitive (emails are stored lowercased). The member not deleted, else the one deleted
   * last: a deleted leaver may share the email with a later hire.
   */
  async getByEmail(email: string): Promise<StaffRecord | null> {
    const members = await this.ctx
      .em()
      .find(
        StaffMember,
        { email: email.trim().toLowerCase() },
        { orderBy: { deletedAt: 'desc', id: 'asc' } },
      );
    const member = members.find((m) => !m.deletedAt) ?? members[0];
    return member ? toStaffRecord(member) : null;
  }

  /** The member the identity provider has now: deleted ones may share the id with a newer one. */
  async getByExternalId(externalId: string): Promise<StaffRecord | null> {
    const member = await this.ctx.em().findOne(StaffMember, { externalId, deletedAt: null });
    return member ? toStaffRecord(member) : null;
  }

  /**
   * In the order members were added (createdAt, then id), keyset-paginated. Neither ever changes,
   * so a walk from the first page to the last lists every member exactly once while PATCH, SCIM or
   * imports change the directory (members added meanwhile come last). Emails change: pages by
   * email skipped a member renamed to before the cursor and repeated one renamed past it.
   */
  async list(
    options: PageRequest & { email?: string; status?: StaffStatus; orgRole?: string } = {},
  ): Promise<Page<StaffRecord>> {
    const em = this.ctx.em();
    const qb = em.createQueryBuilder(StaffMember, 's').select('*');
    if (options.email !== undefined) qb.andWhere({ email: options.email.trim().toLowerCase() });
    if (options.status !== undefined) qb.andWhere({ status: options.status });
    if (options.orgRole !== undefined) qb.andWhere({ orgRole: options.orgRole });
    if (options.cursor) refuseEmailOrderCursor(options.cursor);
    return timeOrderedPage(em, qb, {
      scope: 'staff:createdAt',
      column: 's.created_at',
      property: 'createdAt',
      timeOf: (s) => s.createdAt,
      order: 'asc',
      page: { limit: options.limit, cursor: options.cursor },
      map: toStaffRecord,
    });
  }

  /** Every member, for the policy input (a directory is thousands of rows, not millions). */
  async all(): Promise<StaffRecord[]> {
    return (await this.ctx.em().find(StaffMember, {}, { orderBy: { email: 'asc' } })).map(
      toStaffRecord,
    );
  }

  /**
   * Full replacement (SCIM PUT); fields left out are cleared. Like every change below, a change to
   * status, offboardedAt, email or orgRole is audited (`staff.update`, by `by`) in its transaction.
   */
  async replace(
    id: string,
    input: StaffInput,
    by: AuditActor,
    now = new Date(),
  ): Promise<StaffRecord> {
    const data = parse(staffInputSchema, input);
    assertLeftAlready(data.offboardedAt, now);
    return this.mutate(id, by, now, (member) => {
      refuseReactivatingDeleted(data.status, member, 'status');
      assign(member, data, now);
    });
  }

  /**
   * Partial update (SCIM PATCH); fields left out keep their value. A leaving date without a status
   * offboards (as everywhere); an offboarded member keeps their date unless the patch gives one,
   * and a patch clearing it (`offboardedAt: null`) while they stay offboarded is refused.
   */
  async update(
    id: string,
    patch: Partial<StaffInput>,
    by: AuditActor,
    now = new Date(),
  ): Promise<StaffRecord> {
    assertLeftAlready(patch.offboardedAt, now);
    return this.mutate(id, by, now, (member) => {
      if (patch.status !== member.status) refuseReactivatingDeleted(patch.status, member, 'status');
      refuseClearingLeavingDate(patch, member);
      const merged = { ...toStaffRecord(member), ...patch };
      const data = parse(staffInputSchema, {
        email: merged.email,
        name: merged.name,
        orgRole: merged.orgRole,
        status: patch.status ?? (patch.offboardedAt ? undefined : member.status),
        offboardedAt: patch.offboardedAt,
        externalId: merged.externalId,
        source: merged.source,
      });
      assign(member, data, now);
    });
  }

  /** Offboards (stamping offboardedAt) or reactivates a member. */
  async setStatus(
    id: string,
    status: StaffStatus,
    by: AuditActor,
    now = new Date(),
    offboardedAt?: Date,
  ): Promise<StaffRecord> {
    return this.update(id, { status, ...(offboardedAt ? { offboardedAt } : {}) }, by, now);
  }

  /**
   * The identity provider deleted the member (SCIM DELETE). The record is kept as audit evidence,
   * in one transaction: offboarded (an earlier offboardedAt stays, else now), deletedAt stamped,
   * account links untouched, so the leaver's remaining access stays an offboarded-access finding.
   * A member already deleted this way is not found again.
   */
  async markDeleted(id: string, by: AuditActor, now = new Date()): Promise<StaffRecord> {
    return this.mutate(id, by, now, (member) => {
      if (member.deletedAt) throw new NotFoundError('staff member', id);
      member.offboardedAt = (member.status === 'offboarded' ? member.offboardedAt : null) ?? now;
      member.status = 'offboarded';
      member.deletedAt = now;
    });
  }

  /**
   * Provisioning (SCIM POST): creates the member, or revives the one the identity provider deleted
   * earlier with this email when it is the same person hired again (see rehiredMember and
   * reviveMember; `by` is who the audit log names). Anyone else gets a new member, and the deleted
   * one keeps its id, data, links and history: emails are reused for new hires, and turning a
   * leaver's record into someone else would hide their remaining access and overwrite the evidence.
   * A member that is not deleted is still a conflict.
   */
  async provision(
    input: StaffInput,
    by: AuditActor,
    now = new Date(),
  ): Promise<{ record: StaffRecord; revived: boolean }> {
    const data = parse(staffInputSchema, input);
    assertLeftAlready(data.offboardedAt, now);
    return conflictAware(() =>
      this.ctx.em().transactional(async (em) => {
        const deleted = await em.find(
          StaffMember,
          { email: data.email, deletedAt: { $ne: null } },
          { orderBy: { deletedAt: 'desc', id: 'asc' } },
        );
        const rehired = rehiredMember(deleted, data.externalId ?? null);
        let member: StaffMember;
        if (rehired) {
          member = rehired;
          await reviveMember(em, member, data, by, now);
        } else {
          member = createMember(em, data, 'manual', now);
        }
        await em.flush();
        return { record: toStaffRecord(member), revived: rehired !== undefined };
      }),
    );
  }

  /**
   * Bulk upsert by email in one transaction (CSV / JSON import); all or nothing. Fields a row leaves
   * out keep their value (keepWhatTheRowLeavesOut); members the identity provider deleted are
   * skipped, and a row that would reactivate one refuses the import. Each updated member whose
   * evidence fields change gets its `staff.update` entry, inserted in batches with the import.
   */
  async importMany(
    inputs: readonly StaffInput[],
    by: AuditActor,
    now = new Date(),
  ): Promise<ImportResult> {
    const rows = inputs.map((input, i) => {
      const row = parse(staffInputSchema, { source: 'import', ...input }, `${i}.`);
      assertLeftAlready(row.offboardedAt, now, `${i}.offboardedAt`);
      return row;
    });
    const seen = new Set<string>();
    rows.forEach((r, i) => {
      if (seen.has(r.email))
        throw new ValidationError(`${i}.email`, `${r.email} appears more than once`);
      seen.add(r.email);
    });
    return conflictAware(() =>
      this.ctx.em().transactional(async (em) => {
        const existing = new Map<string, StaffMember>();
        for (const m of await em.find(StaffMember, { email: { $in: [...seen] } })) {
          // The live member, when a deleted one shares their email (a leaver's reused address).
          const other = existing.get(m.email);
          if (!other || (other.deletedAt && !m.deletedAt)) existing.set(m.email, m);
        }
        const result: ImportResult = {
          created: 0,
          updated: 0,
          unchanged: 0,
          skipped: 0,
          updatedIds: [],
        };
        for (const [i, imported] of rows.entries()) {
          const member = existing.get(imported.email);
          if (!member) {
            createMember(em, imported, 'import', now);
            result.created++;
            continue;
          }
          refuseReactivatingDeleted(imported.status, member, `${i}.status`);
          if (member.deletedAt) {
            result.skipped++;
            continue;
          }
          const row = keepWhatTheRowLeavesOut(imported, member);
          if (sameAs(member, row)) {
            result.unchanged++;
          } else {
            const before = staffEvidence(member);
            assign(member, row, now);
            recordStaffChange(em, member, before, by, now);
            result.updated++;
            result.updatedIds.push(member.id);
          }
        }
        await em.flush();
        return result;
      }),
    );
  }

  private async mutate(
    id: string,
    by: AuditActor,
    now: Date,
    change: (member: StaffMember) => void,
  ): Promise<StaffRecord> {
    if (!isUuid(id)) throw new NotFoundError('staff member', String(id));
    return conflictAware(() =>
      this.ctx.em().transactional(async (em) => {
        const member = await em.findOne(StaffMember, { id });
        if (!member) throw new NotFoundError('staff member', id);
        const before = staffEvidence(member);
        change(member);
        recordStaffChange(em, member, before, by, now);
        member.updatedAt = now;
        await em.flush();
        return toStaffRecord(member);
      }),
    );
  }
}

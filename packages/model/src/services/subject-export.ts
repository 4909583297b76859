import { raw, type FilterQuery } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/knex';
import { AccountLink } from '../entities/account-link.js';
import { ApiToken } from '../entities/api-token.js';
import { AuditLogEntry } from '../entities/audit-log-entry.js';
import { FindingEvent } from '../entities/finding-event.js';
import { Finding } from '../entities/finding.js';
import { ReviewDecisionEvent } from '../entities/review-decision-event.js';
import { ReviewDecision } from '../entities/review-decision.js';
import type { StaffMember } from '../entities/staff-member.js';
import { toAuditEntryRecord } from './audit.js';
import { toFindingEventRecord, toFindingRecord } from './finding-records.js';
import { toDecisionRecord } from './review-items.js';
import { toStaffRecord } from './staff.js';
import { toApiTokenRecord } from './tokens.js';
import type { SubjectXeroUser } from './subject-users.js';

/** Rows read per query; a page is written before the next is read. */
export const SUBJECT_EXPORT_PAGE = 500;

/**
 * Everything stored about one person (GDPR Art. 15), as JSON written as it is read. Its members,
 * in this order: `kind`, `version`, `generatedAt`, `staff`, `xeroUsers` (the Xero users tied to
 * them, how, and their role in the newest snapshot of each tenant they appear in), `accountLinks`,
 * `apiTokens` (owned by them, never secrets), `findings` and `findingEvents` about those users,
 * `reviewDecisions` and `reviewDecisionHistory` about those users, `auditLog` (entries where they
 * are the actor or the target), `snapshots` (where snapshot contents mentioning them are), and
 * `complete: true` last: a body cut short has none.
 */
export class SubjectExport {
  constructor(
    private readonly em: SqlEntityManager,
    private readonly member: StaffMember,
    private readonly users: SubjectXeroUser[],
    private readonly generatedAt: Date,
    private readonly pageSize = SUBJECT_EXPORT_PAGE,
  ) {}

  /** The export as JSON in pieces (a page of rows each); read it once. */
  async *text(): AsyncGenerator<string> {
    const userIds = this.users.map((u) => u.userId);
    yield (
      `{"kind":"xero-access-subject-export","version":1,` +
      `"generatedAt":${JSON.stringify(this.generatedAt.toISOString())},` +
      `"staff":${JSON.stringify(toStaffRecord(this.member))},` +
      `"xeroUsers":${JSON.stringify(this.users)},"accountLinks":[`
    );
    yield* this.rows(AccountLink, { staff: this.member.id }, (l) => ({
      id: l.id,
      userId: l.userId,
      staffId: this.member.id,
      nonHuman: l.nonHuman,
      justification: l.justification,
      createdBy: l.createdBy,
      createdAt: l.createdAt,
      updatedAt: l.updatedAt,
    }));
    yield '],"apiTokens":[';
    const tokenNames: string[] = [];
    yield* this.rows(ApiToken, { ownerEmail: this.email() }, (t) => {
      tokenNames.push(t.name);
      return toApiTokenRecord(t);
    });
    yield '],"findings":[';
    const findingIds: string[] = [];
    yield* this.rows(
      Finding,
      { subjectKind: 'user', subjectId: { $in: userIds } },
      (f) => {
        findingIds.push(f.id);
        return toFindingRecord(f, f.connection);
      },
      ['connection'],
    );
    yield '],"findingEvents":[';
    yield* this.rows(FindingEvent, { finding: { $in: findingIds } }, toFindingEventRecord);
    yield '],"reviewDecisions":[';
    const reviewItems: string[] = [];
    yield* this.rows(ReviewDecision, { userId: { $in: userIds } }, (d) => {
      reviewItems.push(`${d.review.id}/${d.userId}`);
      return toDecisionRecord(d);
    });
    yield '],"reviewDecisionHistory":[';
    yield* this.rows(
      ReviewDecisionEvent,
      { item: { userId: { $in: userIds } } },
      (e) => ({
        id: e.id,
        reviewId: e.item.review.id,
        userId: e.item.userId,
        decision: e.decision,
        newRole: e.newRole,
        comment: e.comment,
        decidedBy: e.decidedBy,
        decidedAt: e.decidedAt,
        previousDecision: e.previousDecision,
      }),
      ['item'],
    );
    yield '],"auditLog":[';
    const targets = [this.member.id, ...userIds, ...findingIds, ...reviewItems];
    yield* this.rows(
      AuditLogEntry,
      () => this.auditFilter(tokenNames, targets),
      toAuditEntryRecord,
    );
    yield `],"snapshots":${JSON.stringify(this.snapshotPointers())},"complete":true}\n`;
  }

  private email(): string {
    return this.member.email.trim().toLowerCase();
  }

  /**
   * Entries where the person acts (`oidc:<email>`, or one of their own API tokens) or is the
   * target (`targets`: their staff record, one of their Xero users, a finding about one, a review
   * item `<reviewId>/<userId>` of one), compared case-insensitively: the path gave the id as sent.
   */
  private auditFilter(tokenNames: string[], targets: string[]): FilterQuery<AuditLogEntry> {
    const either: FilterQuery<AuditLogEntry>[] = [
      { [raw('lower(actor)')]: `oidc:${this.email()}` },
      { [raw('lower(resource_id)')]: { $in: targets.map((t) => t.toLowerCase()) } },
    ];
    if (tokenNames.length) either.push({ actor: { $in: tokenNames.map((n) => `token:${n}`) } });
    return { $or: either };
  }

  /** Where the snapshots that mention the person are: their contents stay in evidence exports. */
  private snapshotPointers() {
    return {
      note:
        'Snapshot contents (Xero users as each sync recorded them) are hashed evidence and are not ' +
        'repeated here. The newest snapshot of each tenant a user appears in is under ' +
        'xeroUsers[].appearances; each finding names its evidence snapshot (snapshotId). Every ' +
        "snapshot of a tenant is in its chain export (GET /snapshots/chain): search its contents' " +
        'text for the userIds below, and export one with GET /snapshots/{id}/export.',
      userIds: this.users.map((u) => u.userId),
      newest: [...new Set(this.users.flatMap((u) => u.appearances.map((a) => a.snapshotId)))],
    };
  }

  /** The rows matching `where` by id (UUIDv7: creation order), a page per piece. */
  private async *rows<E extends { id: string }>(
    entity: new () => E,
    /** A function when the filter has raw keys: a query spends them, so each page builds its own. */
    where: FilterQuery<E> | (() => FilterQuery<E>),
    toJson: (row: E) => unknown,
    populate: string[] = [],
  ): AsyncGenerator<string> {
    let after: string | null = null;
    let first = true;
    for (;;) {
      const base = typeof where === 'function' ? where() : where;
      const filter = (
        after === null ? base : { $and: [base, { id: { $gt: after } }] }
      ) as FilterQuery<E>;
      const page: E[] = await this.em.find(entity, filter, {
        orderBy: { id: 'asc' } as never,
        limit: this.pageSize,
        populate: populate as never,
      });
      if (page.length) {
        yield `${first ? '' : ','}${page.map((row) => JSON.stringify(toJson(row))).join(',')}`;
        first = false;
      }
      this.em.clear();
      if (page.length < this.pageSize) return;
      after = page.at(-1)!.id;
    }
  }
}

import { raw, type FilterQuery } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/knex';
import { AccessReview } from '../entities/access-review.js';
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
import { toAccountLinkRecord } from './links.js';
import { toDecisionEventRecord } from './review-history.js';
import { toDecisionRecord } from './review-items.js';
import { toReviewRecord } from './review-record.js';
import { toStaffRecord } from './staff.js';
import { subjectRows, type SubjectScope } from './subject-rows.js';
import type { SubjectEmailTies } from './subject-scope.js';
import type { SubjectXeroUser } from './subject-users.js';
import { toApiTokenRecord } from './tokens.js';

/** Rows read per query; a page is written before the next is read. */
export const SUBJECT_EXPORT_PAGE = 500;

/** A history event as the API shows it; `item` must be loaded. */
const toDecisionEventJson = (e: ReviewDecisionEvent) =>
  toDecisionEventRecord(e, e.item.review.id, e.item.userId);

/**
 * Everything stored about one person (GDPR Art. 15), as JSON written as it is read. Its members,
 * in this order: `kind`, `version`, `generatedAt`, `staff`, `emailTies` (whether their email was
 * used to find rows, and if not, what was left out and why), `xeroUsers` (the Xero users tied to
 * them, how, and their role in the newest snapshot of each tenant they appear in), `accountLinks`,
 * `apiTokens` (owned by them, never secrets), `findings` and `findingEvents` about those users,
 * `reviewDecisions` (about them) and `reviewDecisionHistory` (of those items),
 * `reviewDecisionsMade`, `reviewDecisionEventsMade` and `accessReviews` (campaigns they started or
 * completed): every review row an erasure rewrites (subject-rows.ts), `auditLog` (entries where
 * they are the actor or the target), `snapshots` (where snapshot contents mentioning them are),
 * and `complete: true` last: a body cut short has none.
 */
export class SubjectExport {
  constructor(
    private readonly em: SqlEntityManager,
    private readonly member: StaffMember,
    private readonly users: SubjectXeroUser[],
    private readonly scope: SubjectScope,
    private readonly emailTies: SubjectEmailTies,
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
      `"emailTies":${JSON.stringify(this.emailTies)},` +
      `"xeroUsers":${JSON.stringify(this.users)},"accountLinks":[`
    );
    yield* this.rows(AccountLink, { staff: this.member.id }, toAccountLinkRecord);
    yield '],"apiTokens":[';
    const tokenNames: string[] = [];
    const email = this.scope.email;
    yield* this.rows(ApiToken, email === null ? null : { ownerEmail: email }, (t) => {
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
    const itemIds: string[] = [];
    yield* this.rows(
      ReviewDecision,
      () => subjectRows.decisionsAbout(this.scope),
      (d) => {
        reviewItems.push(`${d.review.id}/${d.userId}`);
        itemIds.push(d.id);
        return toDecisionRecord(d);
      },
    );
    yield '],"reviewDecisionHistory":[';
    yield* this.rows(
      ReviewDecisionEvent,
      itemIds.length ? { item: { $in: itemIds } } : null,
      toDecisionEventJson,
      ['item'],
    );
    yield '],"reviewDecisionsMade":[';
    yield* this.rows(ReviewDecision, () => subjectRows.decisionsMade(this.scope), toDecisionRecord);
    yield '],"reviewDecisionEventsMade":[';
    yield* this.rows(
      ReviewDecisionEvent,
      () => subjectRows.decisionEventsMade(this.scope),
      toDecisionEventJson,
      ['item'],
    );
    yield '],"accessReviews":[';
    yield* this.rows(AccessReview, () => this.reviewsTakenPartIn(), toReviewRecord);
    yield '],"auditLog":[';
    const targets = [this.member.id, ...userIds, ...findingIds, ...reviewItems];
    yield* this.rows(
      AuditLogEntry,
      () => this.auditFilter(tokenNames, targets),
      toAuditEntryRecord,
    );
    yield `],"snapshots":${JSON.stringify(this.snapshotPointers())},"complete":true}\n`;
  }

  /** Campaigns they started or completed. */
  private reviewsTakenPartIn(): FilterQuery<AccessReview> | null {
    const created = subjectRows.reviewsCreated(this.scope);
    const completed = subjectRows.reviewsCompleted(this.scope);
    return created && completed ? { $or: [created, completed] } : null;
  }

  /**
   * Entries where the person acts (`oidc:<email>` when the email is theirs alone, or one of their
   * own API tokens) or is the target (`targets`: their staff record, one of their Xero users, a
   * finding about one, a review item `<reviewId>/<userId>` about them), compared
   * case-insensitively: the path gave the id as sent.
   */
  private auditFilter(tokenNames: string[], targets: string[]): FilterQuery<AuditLogEntry> {
    const either: FilterQuery<AuditLogEntry>[] = [
      { [raw('lower(resource_id)')]: { $in: targets.map((t) => t.toLowerCase()) } },
    ];
    if (this.scope.email !== null)
      either.push({ [raw('lower(actor)')]: `oidc:${this.scope.email}` });
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

  /**
   * The rows matching `where` (none when null) by id (UUIDv7: creation order), a page per piece.
   * `populate` is loaded by queries of its own, so raw keys in `where` name the entity's columns
   * unambiguously.
   */
  private async *rows<E extends { id: string }>(
    entity: new () => E,
    /** A function when the filter has raw keys: a query spends them, so each page builds its own. */
    where: FilterQuery<E> | null | (() => FilterQuery<E> | null),
    toJson: (row: E) => unknown,
    populate: string[] = [],
  ): AsyncGenerator<string> {
    let after: string | null = null;
    let first = true;
    for (;;) {
      const base = typeof where === 'function' ? where() : where;
      if (base === null) return;
      const filter = (
        after === null ? base : { $and: [base, { id: { $gt: after } }] }
      ) as FilterQuery<E>;
      const page: E[] = await this.em.find(entity, filter, {
        orderBy: { id: 'asc' } as never,
        limit: this.pageSize,
      });
      if (populate.length) await this.em.populate(page, populate as never);
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

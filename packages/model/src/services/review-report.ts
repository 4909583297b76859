import { createHash } from 'node:crypto';
import type { SqlEntityManager } from '@mikro-orm/knex';
import { AccessReview } from '../entities/access-review.js';
import { NEEDS_REMEDIATION, type ReviewDecisionKind } from '../entities/review-decision.js';
import { Snapshot } from '../entities/snapshot.js';
import { canonicalJson } from '../hashing/canonical-json.js';
import type { ConnectionRef } from './context.js';
import { historyAfter, type ReviewDecisionEventRecord } from './review-history.js';
import {
  itemsAfter,
  positionOf,
  type ItemPosition,
  type ReviewDecisionRecord,
} from './review-items.js';
import { countDecisions, emptyProgress, type ReviewProgress } from './review-progress.js';
import { toReviewRecord, type AccessReviewRecord } from './review-record.js';

/** Rows read per query; a page is written before the next is read. */
export const REPORT_PAGE = 2000;

/**
 * The completion report an auditor keeps: `sha256` is over the canonical JSON (RFC 8785) of the
 * report without `generatedAt` and itself, with dates as ISO strings (as it travels in JSON), so
 * every download of the same review state has the same digest and any JCS tool recomputes it.
 */
export interface AccessReviewReport {
  kind: 'xero-access-review-report';
  version: 2;
  generatedAt: Date;
  review: AccessReviewRecord & { progress: ReviewProgress };
  /** The snapshot reviewed, with the hashes that tie it into its tenant's chain. */
  snapshot: {
    id: string;
    connection: ConnectionRef;
    tenantId: string;
    tenantName: string;
    sequence: number;
    takenAt: Date;
    contentHash: string;
    chainHash: string;
  };
  decisions: ReviewDecisionRecord[];
  /** Every decision ever recorded in the campaign, oldest first (changed ones included). */
  history: ReviewDecisionEventRecord[];
  /** Revoke or change-role decisions that no later snapshot shows carried out yet. */
  openRemediations: ReviewDecisionRecord[];
  sha256: string;
}

type ReportHead = Pick<AccessReviewReport, 'review' | 'snapshot'>;

/**
 * The report of one review as it is read, a page at a time, or null when there is no such review.
 * Remediation goes on while it is read: a snapshot recorded after it was opened (a sync) counts
 * as not yet recorded, so `decisions`, `openRemediations` and `progress` agree with each other.
 * `pageSize` rows are read per query.
 */
export async function openReviewReport(
  em: SqlEntityManager,
  id: string,
  generatedAt: Date,
  pageSize = REPORT_PAGE,
): Promise<ReviewReportExport | null> {
  const review = await em.findOne(AccessReview, { id }, { populate: ['connection', 'snapshot'] });
  if (!review) return null;
  const s = review.snapshot;
  const head = await em.findOneOrFail(
    Snapshot,
    { connection: review.connection, tenantId: review.tenantId },
    { orderBy: { sequence: 'desc' }, fields: ['sequence'] },
  );
  const report: ReportHead = {
    review: { ...toReviewRecord(review), progress: emptyProgress() },
    snapshot: {
      id: s.id,
      connection: { namespace: review.connection.namespace, name: review.connection.name },
      tenantId: s.tenantId,
      tenantName: s.tenantName,
      sequence: s.sequence,
      takenAt: s.takenAt,
      contentHash: s.content.hash,
      chainHash: s.chainHash,
    },
  };
  em.clear();
  return new ReviewReportExport(em, report, head.sequence, generatedAt, pageSize);
}

/** A review report being written: its text, then the digest of exactly that text. */
export class ReviewReportExport {
  private digest: string | undefined;

  constructor(
    private readonly em: SqlEntityManager,
    private readonly head: ReportHead,
    /** The sequence of the tenant's newest snapshot when the report was opened. */
    private readonly horizon: number,
    private readonly generatedAt: Date,
    private readonly pageSize: number,
  ) {}

  /**
   * The report as JSON in pieces (a page of records each); read it once. Its members come in
   * canonical order, so the text up to `generatedAt` is the canonical JSON the digest covers and
   * is hashed as it is written; `review.progress` is counted from the decisions written.
   */
  async *text(): AsyncGenerator<string> {
    const hash = createHash('sha256');
    const out = (piece: string) => {
      hash.update(piece);
      return piece;
    };
    const progress = emptyProgress();
    yield out('{"decisions":[');
    yield* this.list(out, this.decisions(), (d) =>
      countDecisions(progress, d.decision, 1, d.remediatedAt === null ? 0 : 1),
    );
    yield out('],"history":[');
    yield* this.list(out, this.history());
    yield out('],"kind":"xero-access-review-report","openRemediations":[');
    yield* this.list(out, this.decisions(NEEDS_REMEDIATION), undefined, (d) => !d.remediatedAt);
    const review = { ...this.head.review, progress };
    yield out(
      `],"review":${canonicalJson(review)},"snapshot":${canonicalJson(this.head.snapshot)},"version":2`,
    );
    hash.update('}');
    this.digest = hash.digest('hex');
    yield `,"generatedAt":${JSON.stringify(this.generatedAt.toISOString())},"sha256":"${this.digest}"}\n`;
  }

  /** The report's `sha256`; known once `text()` has been read to its end. */
  sha256(): string {
    if (this.digest === undefined)
      throw new Error('the review report has not been read to its end');
    return this.digest;
  }

  /** The members of one array, a page per piece. */
  private async *list<T>(
    out: (piece: string) => string,
    pages: AsyncGenerator<T[]>,
    each?: (item: T) => void,
    keep: (item: T) => boolean = () => true,
  ): AsyncGenerator<string> {
    let first = true;
    for await (const page of pages) {
      const kept = page.filter(keep);
      if (kept.length === 0) continue;
      if (each) kept.forEach(each);
      yield out(`${first ? '' : ','}${kept.map((item) => canonicalJson(item)).join(',')}`);
      first = false;
    }
  }

  /** The items (with one of `decisions`), by email then UserID, as of the horizon. */
  private async *decisions(
    decisions?: readonly ReviewDecisionKind[],
  ): AsyncGenerator<ReviewDecisionRecord[]> {
    const { em } = this;
    let after: ItemPosition | null = null;
    for (;;) {
      const rows = await itemsAfter(em, this.head.review.id, after, this.pageSize, decisions);
      // Read after the page, so that every remediation the page shows by a later snapshot is known.
      const later = await this.laterSnapshots();
      const page = rows.map((d) =>
        d.remediatedSnapshotId !== null && later.has(d.remediatedSnapshotId)
          ? { ...d, remediatedAt: null, remediatedSnapshotId: null }
          : d,
      );
      yield page;
      if (rows.length < this.pageSize) return;
      after = positionOf(page.at(-1)!);
    }
  }

  private async *history(): AsyncGenerator<ReviewDecisionEventRecord[]> {
    let after: ReviewDecisionEventRecord | null = null;
    for (;;) {
      const page = await historyAfter(this.em, this.head.review.id, after, this.pageSize);
      yield page;
      if (page.length < this.pageSize) return;
      after = page.at(-1)!;
    }
  }

  /** Snapshots of the reviewed tenant recorded since the report was opened. */
  private async laterSnapshots(): Promise<Set<string>> {
    const { review } = this.head;
    const rows = (await this.em
      .createQueryBuilder(Snapshot, 's')
      .select('s.id')
      .where({
        connection: review.connectionId,
        tenantId: review.tenantId,
        sequence: { $gt: this.horizon },
      })
      .execute('all', false)) as { id: string }[];
    return new Set(rows.map((s) => s.id));
  }
}

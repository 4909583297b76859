import { describe, expect, it } from 'vitest';
import { NotFoundError } from '../errors.js';
import { canonicalJson } from '../hashing/canonical-json.js';
import { sha256Hex } from '../hashing/snapshot-hash.js';
import { testDrivers, useTestModel } from '../test/drivers.js';
import { at, tenant, users } from '../test/fixtures.js';
import { databaseWithClock, ManualClock } from '../test/manual-clock.js';
import { readReport, type ReportJson } from '../test/review-report.js';
import type { Database } from './database.js';
import { encodeCursor } from './pagination.js';
import { openReviewReport } from './review-report.js';

const asPerson = (name: string) => ({ by: name, reviewerEmail: `${name}@corp.test` });
/** As it travels in JSON: dates as ISO strings. */
const asJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

describe.each(testDrivers)('large access reviews, a page at a time, on $dialect', (driver) => {
  const t = useTestModel(driver);
  // Decisions are stamped before the syncs that remediate them take their users (2026-12-02).
  const clock = new ManualClock(at('2026-12-01T01:00:00Z'));
  let clocked: Database | undefined;
  const db = () => (clocked ??= databaseWithClock(t.model, clock));
  const start = async (name: string, people: ReturnType<typeof users>) => {
    const ref = { namespace: 'finance', name };
    await db().snapshots.record(ref, tenant, people, at('2026-12-01T00:00:00Z'));
    const review = await db().reviews.create({
      connection: ref,
      tenantId: tenant.tenantId,
      title: name,
      createdBy: 'alice',
    });
    return { ref, review };
  };

  it('pages the items by email then UserID, an item without an email first', async () => {
    const people = users(
      ['u-c', 'STANDARD'],
      ['u-a', 'STANDARD'],
      ['u-b', 'ADMIN'],
      ['u-d', 'STANDARD'],
    );
    people[1]!.email = 'shared@acme.test';
    people[3]!.email = 'shared@acme.test';
    people[2]!.email = null;
    const { review } = await start('paged-items', people);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await db().reviews.decisionsPage(review.id, { limit: 2, cursor });
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((d) => d.userId));
      cursor = page.nextCursor;
    } while (cursor);
    // No email sorts first; one email shared by two users is ordered by UserID.
    expect(seen).toEqual(['u-b', 'u-a', 'u-d', 'u-c']);
    expect((await db().reviews.decisions(review.id)).map((d) => d.userId)).toEqual(seen);
    expect(await db().reviews.decisionsPage(review.id)).toMatchObject({ nextCursor: null });

    await expect(db().reviews.decisionsPage(review.id, { cursor: 'nope' })).rejects.toThrow(
      /^cursor: /,
    );
    const otherListing = encodeCursor('reviews:createdAt', 0, 'u-b');
    await expect(db().reviews.decisionsPage(review.id, { cursor: otherListing })).rejects.toThrow(
      /^cursor: /,
    );
    await expect(db().reviews.decisionsPage(review.id, { limit: 501 })).rejects.toThrow(/^limit: /);
    await expect(
      db().reviews.decisionsPage('00000000-0000-7000-8000-000000000000'),
    ).rejects.toThrow(NotFoundError);
  });

  it('streams a report read in several queries as one document', async () => {
    // Three rows per query: 8 items and 10 decisions take several reads of each list.
    const people = users(
      ...Array.from({ length: 8 }, (_, i): [string, string] => [`u-${i}`, 'STANDARD']),
    );
    const { ref, review } = await start('report-pages', people);
    const ids = people.map((u) => u.userId);
    for (const [i, userId] of ids.entries())
      await db().reviews.decide(review.id, userId, {
        decision: i % 2 === 0 ? 'revoke' : 'keep',
        ...asPerson('bob'),
      });
    // u-0's decision changes; u-1's stays, with a comment added (a history entry too).
    for (const userId of ['u-0', 'u-1'])
      await db().reviews.decide(review.id, userId, {
        decision: 'keep',
        comment: 'checked again',
        ...asPerson('carol'),
      });
    // A later sync removes u-4: its revoke is remediated; u-2 and u-6 stay open.
    await db().snapshots.record(
      ref,
      tenant,
      people.filter((u) => u.userId !== 'u-4'),
      at('2026-12-02T00:00:00Z'),
    );

    const stream = (await openReviewReport(
      t.model.orm.em.fork(),
      review.id,
      at('2026-12-03T00:00:00Z'),
      3,
    ))!;
    let text = '';
    for await (const piece of stream.text()) text += piece;
    const report = JSON.parse(text) as ReportJson;
    expect(report).toMatchObject({
      kind: 'xero-access-review-report',
      version: 2,
      generatedAt: '2026-12-03T00:00:00.000Z',
      sha256: stream.sha256(),
    });
    const decisions = await db().reviews.decisions(review.id);
    expect(report.decisions).toEqual(asJson(decisions));
    expect(report.history).toEqual(asJson(await db().reviews.history(review.id)));
    expect(report.history).toHaveLength(10);
    expect(report.openRemediations.map((d) => d.userId)).toEqual(['u-2', 'u-6']);
    expect(report.review.progress).toEqual(asJson((await db().reviews.get(review.id))!.progress));
    expect(report.review.progress).toMatchObject({ total: 8, revoke: 3, remediated: 1 });
    const { sha256: digest, generatedAt: _, ...content } = report;
    expect(digest).toBe(sha256Hex(canonicalJson(content)));
    // The same as read in one query each.
    const whole = (await readReport(db(), review.id, at('2026-12-03T00:00:00Z')))!;
    expect(whole).toEqual(report);
  });

  it('leaves out of a report a remediation recorded while it is read, everywhere in it', async () => {
    const people = users(['r-a', 'STANDARD'], ['r-b', 'STANDARD']);
    const { ref, review } = await start('report-while-syncing', people);
    await db().reviews.decide(review.id, 'r-a', { decision: 'revoke', ...asPerson('bob') });
    await db().reviews.decide(review.id, 'r-b', { decision: 'keep', ...asPerson('bob') });

    const report = (await db().reviews.exportReport(review.id))!;
    let text = '';
    const pieces = report.text();
    while (!text.includes('"history":[')) text += (await pieces.next()).value;
    // The decisions have been read: now a sync shows r-a gone.
    await db().snapshots.record(ref, tenant, [people[1]!], at('2026-12-02T00:00:00Z'));
    for await (const piece of pieces) text += piece;

    const read = JSON.parse(text) as ReportJson;
    expect(read.decisions.find((d) => d.userId === 'r-a')).toMatchObject({ remediatedAt: null });
    expect(read.openRemediations.map((d) => d.userId)).toEqual(['r-a']);
    expect(read.review.progress).toMatchObject({ awaitingRemediation: 1, remediated: 0 });
    expect(read.sha256).toBe(report.sha256());
    // The next report has it.
    const next = (await readReport(db(), review.id))!;
    expect(next.openRemediations).toEqual([]);
    expect(next.review.progress).toMatchObject({ awaitingRemediation: 0, remediated: 1 });
  });
});

import type { SqlEntityManager } from '@mikro-orm/knex';
import { describe, expect, it } from 'vitest';
import { itemsAfter, itemsQuery, positionOf } from '../services/review-items.js';
import { testDrivers, useTestModel } from '../test/drivers.js';
import { at, tenant, users } from '../test/fixtures.js';

const INDEX = 'review_decision_review_email_user_index';
const pad = (i: number) => String(i).padStart(2, '0');

describe.each(testDrivers)('the review item order index on $dialect', (driver) => {
  const t = useTestModel(driver);
  const em = () => t.model.orm.em.fork() as SqlEntityManager;
  const knex = () => t.model.orm.em.getKnex();

  /** 30 users: some without an email, some sharing one; every third decided revoke. */
  async function seedReview(name: string): Promise<{ reviewId: string; expected: string[] }> {
    const people = users(
      ...Array.from({ length: 30 }, (_, i): [string, string] => [`u${pad(i)}`, 'STANDARD']),
    );
    for (const [i, person] of people.entries())
      person.email =
        i % 7 === 3 ? null : i % 5 === 0 ? 'shared@acme.test' : `m${pad((i * 11) % 30)}@acme.test`;
    const ref = { namespace: 'finance', name };
    await t.model.db.snapshots.record(ref, tenant, people, at('2026-12-01T00:00:00Z'));
    const review = await t.model.db.reviews.create({
      connection: ref,
      tenantId: tenant.tenantId,
      title: name,
      createdBy: 'alice',
    });
    for (const [i, person] of people.entries())
      if (i % 3 === 0)
        await t.model.db.reviews.decide(review.id, person.userId, {
          decision: 'revoke',
          by: 'bob',
          reviewerEmail: 'bob@corp.test',
        });
    const key = (p: { email?: string | null; userId: string }) =>
      `${p.email ?? ''}\u0000${p.userId}`;
    const expected = [...people].sort((a, b) => (key(a) < key(b) ? -1 : 1)).map((p) => p.userId);
    return { reviewId: review.id, expected };
  }

  /** The plan of the query `itemsAfter` runs, its values bound as the service binds them. */
  async function plan(query: ReturnType<typeof itemsQuery>): Promise<string> {
    const { sql, bindings } = query.getKnexQuery().toSQL();
    if (driver.dialect === 'sqlite') {
      const rows = (await knex().raw(`explain query plan ${sql}`, bindings)) as {
        detail: string;
      }[];
      return rows.map((r) => r.detail).join('\n');
    }
    // A few rows: the planner would read the table. Forbid that and sorting, so that the plan
    // shows whether the index can give the order (it would still sort if it could not).
    return knex().transaction(async (trx) => {
      await trx.raw('set local enable_seqscan = off');
      await trx.raw('set local enable_sort = off');
      const result = (await trx.raw(`explain ${sql}`, bindings)) as {
        rows: { 'QUERY PLAN': string }[];
      };
      return result.rows.map((r) => r['QUERY PLAN']).join('\n');
    });
  }

  it('has the index of the item order once migrated', async () => {
    const [index] = await t.model.orm.em
      .getConnection()
      .execute<{ definition: string }[]>(
        driver.dialect === 'postgresql'
          ? `select indexdef as definition from pg_indexes where tablename = 'review_decision' and indexname = '${INDEX}'`
          : `select sql as definition from sqlite_master where type = 'index' and tbl_name = 'review_decision' and name = '${INDEX}'`,
      );
    expect(index?.definition.replaceAll('"', '')).toMatch(
      /^create index review_decision_review_email_user_index on (public\.)?review_decision (using btree )?\(review_id, \(?coalesce\(email, ''(::character varying)?\)\)?, user_id\)$/i,
    );
  });

  it('reads every page and the report query from it, in order, without sorting', async () => {
    const { reviewId } = await seedReview('planned');
    const position = { email: 'm10@acme.test', userId: 'u10' };
    for (const query of [
      itemsQuery(em(), reviewId, null, 51),
      itemsQuery(em(), reviewId, position, 51),
      itemsQuery(em(), reviewId, position, 500, ['revoke', 'change-role']),
    ]) {
      const text = await plan(query);
      expect(text).toContain(INDEX);
      expect(text).not.toMatch(/sort|temp b-tree/i);
    }
    // After a position, the index is searched from it (not read from the review's first item).
    const after = await plan(itemsQuery(em(), reviewId, position, 51));
    expect(after).toMatch(
      driver.dialect === 'postgresql' ? /Index Cond: .*COALESCE.*>=/ : /<expr>>\?/,
    );
  });

  it('lists each item once, in order, a page at a time, with and without a decision filter', async () => {
    const { reviewId, expected } = await seedReview('paged');
    // The review of the previous test shares the table: the index is per review.
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await t.model.db.reviews.decisionsPage(reviewId, { limit: 3, cursor });
      seen.push(...page.items.map((d) => d.userId));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(expected);

    const revoked: string[] = [];
    let after = null;
    for (;;) {
      const rows = await itemsAfter(em(), reviewId, after, 2, ['revoke']);
      revoked.push(...rows.map((d) => d.userId));
      if (rows.length < 2) break;
      after = positionOf(rows.at(-1)!);
    }
    expect(revoked).toEqual(expected.filter((id) => Number(id.slice(1)) % 3 === 0));
  });
});

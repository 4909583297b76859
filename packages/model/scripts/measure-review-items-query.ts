/**
 * Times a page of a large access review's items on PostgreSQL and SQLite:
 *   npx tsx scripts/measure-review-items-query.ts [users=100000] [runs=30]
 * Seeds a scratch database of each dialect (dropped afterwards) with a review of `users` users
 * (one in fifty without an email, one in ten decided revoke), then times reviews.decisionsPage
 * (50 a page, the admin API's default, and 500, its most) at the first page, one after the
 * first 1% (inside the items without an email, which share the email ''), the middle and the last, and the report's query of the revoked items (500 from the middle), p50 / p99 ms over
 * `runs` runs, and prints each query's plan. Then it drops `review_decision_review_email_user_index`
 * and does it all again, to show what the index is worth, and times building it back.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SqlEntityManager } from '@mikro-orm/knex';
import { createTestDatabase } from '@xero-access/testing';
import { createOrm, type ModelOrm } from '../src/orm/create-orm.js';
import { encodeCursor } from '../src/services/pagination.js';
import { itemsAfter, itemsQuery, type ItemPosition } from '../src/services/review-items.js';

const INDEX = 'review_decision_review_email_user_index';
const INDEX_SQL = `create index "${INDEX}" on "review_decision" ("review_id", (coalesce("email", '')), "user_id")`;

const users = Number(process.argv[2] ?? 100_000);
const runs = Number(process.argv[3] ?? 30);

{
  const pg = await createTestDatabase('bench');
  try {
    await run('postgresql', pg.url);
  } finally {
    await pg.drop();
  }
  const dir = mkdtempSync(join(tmpdir(), 'xao-bench-'));
  try {
    await run('sqlite', `sqlite://${join(dir, 'bench.db')}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function run(dialect: 'postgresql' | 'sqlite', url: string): Promise<void> {
  const model = await createOrm({ url, migrate: true });
  try {
    const conn = model.orm.em.getConnection();
    const reviewId = await seed(model, dialect);
    const analyze = () => conn.execute('analyze');
    await analyze();
    console.log(`\n${dialect}: a review of ${users} users`);
    await measure(model, dialect, reviewId);

    await conn.execute(`drop index if exists "${INDEX}"`);
    await analyze();
    console.log(`\n${dialect}: the same without ${INDEX}`);
    await measure(model, dialect, reviewId);

    const started = performance.now();
    await conn.execute(INDEX_SQL);
    console.log(
      `\n${dialect}: building ${INDEX} over ${users} items took ${(performance.now() - started).toFixed(0)} ms`,
    );
  } finally {
    await model.close();
  }
}

async function seed(model: ModelOrm, dialect: 'postgresql' | 'sqlite'): Promise<string> {
  const ref = { namespace: 'finance', name: 'acme' };
  const people = Array.from({ length: users }, (_, i) => ({
    userId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    // Emails do not sort as UserIDs do; one in fifty has none (sorts first, as '').
    email: i % 50 === 7 ? null : `user${(i * 7919) % users}@example.com`,
    firstName: 'F',
    lastName: 'L',
    organisationRole: 'STANDARD',
  }));
  const tenant = { tenantId: 't1', tenantName: 'Acme' };
  await model.db.snapshots.record(ref, tenant, people, new Date('2026-12-01T00:00:00Z'));
  const review = await model.db.reviews.create({
    connection: ref,
    tenantId: tenant.tenantId,
    title: 'Q4',
    createdBy: 'a',
  });
  const oneInTen = dialect === 'postgresql' ? 'random() < 0.1' : 'abs(random()) % 10 = 0';
  await model.orm.em.getConnection().execute(
    `update review_decision set decision = case when ${oneInTen} then 'revoke' else 'keep' end,
         comment = 'checked with the team lead', decided_by = 'token:bob'
       where review_id = ?`,
    [review.id],
  );
  return review.id;
}

async function measure(
  model: ModelOrm,
  dialect: 'postgresql' | 'sqlite',
  reviewId: string,
): Promise<void> {
  const em = () => model.orm.em.fork() as SqlEntityManager;
  const conn = model.orm.em.getConnection();
  const positions = (await conn.execute(
    `select coalesce(email, '') as email, user_id as "userId" from review_decision
     where review_id = ? order by coalesce(email, ''), user_id`,
    [reviewId],
  )) as ItemPosition[];
  const at = (n: number) => positions[Math.max(0, Math.min(n, positions.length) - 1)]!;
  const cursorAt = (n: number) =>
    n === 0 ? null : encodeCursor('review-items', at(n).email, at(n).userId);

  const time = async (call: () => Promise<unknown>) => {
    const samples: number[] = [];
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      await call();
      samples.push(performance.now() - started);
    }
    samples.sort((a, b) => a - b);
    const p = (q: number) => samples[Math.min(samples.length - 1, Math.floor(samples.length * q))]!;
    return `${p(0.5).toFixed(1)} / ${p(0.99).toFixed(1)}`;
  };

  console.log('page | first p50 / p99 ms | among those without an email | middle | last');
  for (const limit of [50, 500]) {
    const cells: string[] = [];
    for (const skip of [0, Math.floor(users / 100), Math.floor(users / 2), users - limit]) {
      const cursor = cursorAt(skip);
      cells.push(await time(() => model.db.reviews.decisionsPage(reviewId, { limit, cursor })));
    }
    console.log(`${limit} items | ${cells.join(' | ')}`);
  }
  const middle = at(Math.floor(users / 2));
  console.log(
    `report query, 500 revoked from the middle | ${await time(() =>
      itemsAfter(em(), reviewId, middle, 500, ['revoke', 'change-role']),
    )}`,
  );

  const plans: [string, string][] = [
    ['page of 50 after the middle', itemsQuery(em(), reviewId, middle, 51).getFormattedQuery()],
    [
      'report query, revoked after the middle',
      itemsQuery(em(), reviewId, middle, 500, ['revoke', 'change-role']).getFormattedQuery(),
    ],
  ];
  for (const [label, sql] of plans) {
    console.log(`plan, ${label}:`);
    const rows = (await conn.execute(
      dialect === 'postgresql'
        ? `explain (analyze, buffers, costs off, timing off) ${sql}`
        : `explain query plan ${sql}`,
    )) as Record<string, unknown>[];
    for (const row of rows)
      console.log(`  ${String(dialect === 'postgresql' ? row['QUERY PLAN'] : row['detail'])}`);
  }
}

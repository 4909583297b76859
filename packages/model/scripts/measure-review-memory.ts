/**
 * Measures reading a large access review in PostgreSQL with a small heap:
 *   npx tsx scripts/measure-review-memory.ts [users=100000] [heapMiB=256]
 * Seeds a scratch database (dropped afterwards) with a review of `users` users, each decided once
 * (one in ten revoke, with a history event each), then runs reviews.get, every page of
 * reviews.decisionsPage (500 a page) and the whole of reviews.exportReport, each in its own
 * process started with --max-old-space-size=heapMiB, and prints time, peak heap and peak RSS.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createTestDatabase } from '@xero-access/testing';
import { createOrm } from '../src/orm/create-orm.js';

const OPS = ['get', 'items', 'report'] as const;
type Op = (typeof OPS)[number];

if (process.argv[2] === '--op') {
  const [op, url, reviewId] = process.argv.slice(3) as [Op, string, string];
  await measure(op, url, reviewId);
} else {
  await main(Number(process.argv[2] ?? 100_000), Number(process.argv[3] ?? 256));
}

async function main(users: number, heapMiB: number): Promise<void> {
  const db = await createTestDatabase('bench');
  try {
    const reviewId = await seed(db.url, users);
    for (const op of OPS) {
      const child = spawnSync(
        process.execPath,
        [
          `--max-old-space-size=${heapMiB}`,
          '--import',
          'tsx',
          fileURLToPath(import.meta.url),
          '--op',
          op,
          db.url,
          reviewId,
        ],
        { encoding: 'utf8' },
      );
      const outOfMemory = /heap out of memory/.test(child.stderr);
      console.log(
        child.status === 0
          ? child.stdout.trim()
          : `${op}: failed (${outOfMemory ? 'out of memory' : `exit ${child.status ?? child.signal}`})`,
      );
    }
  } finally {
    await db.drop();
  }
}

async function seed(url: string, count: number): Promise<string> {
  const model = await createOrm({ url, migrate: true });
  try {
    const ref = { namespace: 'finance', name: 'acme' };
    const users = Array.from({ length: count }, (_, i) => ({
      userId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      email: `user${i}@example.com`,
      firstName: 'F',
      lastName: 'L',
      organisationRole: 'STANDARD',
    }));
    const tenant = { tenantId: 't1', tenantName: 'Acme' };
    await model.db.snapshots.record(ref, tenant, users, new Date('2026-12-01T00:00:00Z'));
    const review = await model.db.reviews.create({
      connection: ref,
      tenantId: tenant.tenantId,
      title: 'Q4',
      createdBy: 'a',
    });
    const conn = model.orm.em.getConnection();
    await conn.execute(
      `update review_decision set decision = case when random() < 0.1 then 'revoke' else 'keep' end,
         comment = 'checked with the team lead', decided_by = 'token:bob',
         decided_at = timestamptz '2026-12-02' + random() * interval '1 day'
       where review_id = ?`,
      [review.id],
    );
    await conn.execute(
      `insert into review_decision_event (id, item_id, decision, new_role, comment, decided_by, decided_at, previous_decision)
       select gen_random_uuid(), id, decision, new_role, comment, decided_by, decided_at, null
       from review_decision where review_id = ?`,
      [review.id],
    );
    await conn.execute('analyze');
    console.log(`seeded a review of ${count} decided users`);
    return review.id;
  } finally {
    await model.close();
  }
}

async function measure(op: Op, url: string, reviewId: string): Promise<void> {
  const model = await createOrm({ url });
  let peakHeap = 0;
  const sample = setInterval(() => {
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  }, 10);
  const started = performance.now();
  let detail = '';
  if (op === 'get') {
    detail = JSON.stringify((await model.db.reviews.get(reviewId))?.progress);
  } else if (op === 'items') {
    let n = 0;
    let cursor: string | null = null;
    do {
      const page = await model.db.reviews.decisionsPage(reviewId, { limit: 500, cursor });
      n += page.items.length;
      cursor = page.nextCursor;
    } while (cursor);
    detail = `${n} items`;
  } else {
    const report = (await model.db.reviews.exportReport(reviewId))!;
    let bytes = 0;
    for await (const piece of report.text()) bytes += Buffer.byteLength(piece);
    detail = `${(bytes / 2 ** 20).toFixed(1)} MiB of JSON`;
  }
  clearInterval(sample);
  const ms = performance.now() - started;
  const mib = (n: number) => (n / 2 ** 20).toFixed(0);
  console.log(
    `${op}: ${(ms / 1000).toFixed(1)} s, peak heap ${mib(peakHeap)} MiB, peak RSS ${mib(process.resourceUsage().maxRSS * 1024)} MiB (${detail})`,
  );
  await model.close();
}

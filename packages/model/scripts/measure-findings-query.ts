/**
 * Measures the findings listing at a million rows in PostgreSQL:
 *   npx tsx scripts/measure-findings-query.ts [rows=1000000]
 * Seeds a scratch database (dropped afterwards) with `rows` findings over 1,000 connections,
 * then times Database.findings.list for the common filters, first page and a deep page.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createOrm } from '../src/orm/create-orm.js';
import type { FindingFilter, FindingPageRequest } from '../src/services/finding-query.js';

const rows = Number(process.argv[2] ?? 1_000_000);
const adminUrl = process.env.XAO_POSTGRES_URL ?? 'postgres://xao:xao@127.0.0.1:5432/xao';
const name = `bench_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await admin.query(`CREATE DATABASE "${name}"`);
const url = new URL(adminUrl);
url.pathname = `/${name}`;

try {
  const model = await createOrm({ url: url.toString(), migrate: true });
  const conn = model.orm.em.getConnection();
  const started = Date.now();
  await conn.execute(`insert into connection (id, namespace, name, tenants, created_at, updated_at)
    select gen_random_uuid(), 'ns' || (i % 50), 'conn' || i, '[]', now(), now() from generate_series(0, 999) i`);
  await conn.execute(`insert into finding (id, connection_id, tenant_id, "check", subject_kind, subject_id, severity, status, message,
      first_seen_at, last_seen_at, updated_at)
    select gen_random_uuid(), c.id, 'tenant-' || (i % 1000), (array['user-identified','offboarded-access-removed','critical-system-access-configured','critical-system-access-valid'])[1 + i % 4],
      'user', 'user-' || i, (array['high','medium','low'])[1 + i % 3],
      case when i % 20 < 4 then 'open' when i % 20 = 4 then 'accepted' else 'resolved' end,
      'finding ' || i, ts, ts + interval '1 hour' * (i % 500), ts
    from (select i, timestamptz '2026-01-01' + (i * interval '30 seconds') as ts from generate_series(1, ${rows}) i) s
    join (select id, row_number() over (order by name) - 1 as n from connection) c on c.n = s.i % 1000`);
  await conn.execute('analyze');
  console.log(`seeded ${rows} findings in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const someConnection = (await model.db.connections.list())[500]!;
  const shapes: [string, FindingFilter, FindingPageRequest][] = [
    ['no filter', {}, {}],
    ['status=open', { status: 'open' }, {}],
    ['connection + status=open', { connection: someConnection, status: 'open' }, {}],
    ['check + status=open', { check: 'user-identified', status: 'open' }, {}],
    ['severity=high + status=open', { severity: 'high', status: 'open' }, {}],
    ['tenant', { tenantId: 'tenant-7' }, {}],
    ['subject', { subjectId: 'user-4242' }, {}],
    ['since + status=open', { since: new Date('2026-06-01T00:00:00Z'), status: 'open' }, {}],
    [
      'check + severity + status (2 indexes apply)',
      { check: 'critical-system-access-valid', severity: 'low', status: 'open' },
      {},
    ],
  ];
  console.log('shape | first page p50 / p99 ms | page 50 (via cursors) p50 / p99 ms');
  for (const [label, filter, page] of shapes) {
    const time = async (cursor: string | null) => {
      const samples: number[] = [];
      for (let i = 0; i < 60; i++) {
        const t0 = performance.now();
        await model.db.findings.list(filter, { ...page, limit: 50, cursor });
        samples.push(performance.now() - t0);
      }
      samples.sort((a, b) => a - b);
      return `${samples[29]!.toFixed(1)} / ${samples[Math.floor(samples.length * 0.99)]!.toFixed(1)}`;
    };
    let cursor: string | null = null;
    for (let p = 0; p < 49; p++) {
      const result = await model.db.findings.list(filter, { ...page, limit: 50, cursor });
      if (!result.nextCursor) break;
      cursor = result.nextCursor;
    }
    console.log(
      `${label} | ${await time(null)} | ${cursor ? await time(cursor) : 'n/a (fewer pages)'}`,
    );
  }
  await model.close();
} finally {
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.end();
}

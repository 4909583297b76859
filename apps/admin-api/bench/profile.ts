/** Ad-hoc: per-request cost of GET /findings in-process (no network), for profiling with --cpu-prof. */
import { randomBytes } from 'node:crypto';
import { createOrm } from '@xero-access/model';
import { Redis } from 'ioredis';
import pg from 'pg';
import pino from 'pino';
import { createApp } from '../src/app/create-app.js';
import { parseConfig } from '../src/config/config.js';
import { OAuthStateSigner } from '../src/connect/oauth-state.js';
import { seedFindings } from './seed-findings.js';

const postgresUrl = process.env.XAO_POSTGRES_URL ?? 'postgres://xao:xao@127.0.0.1:5432/xao';
const dbName = `prof_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: postgresUrl });
await admin.connect();
await admin.query(`create database "${dbName}"`);
const url = new URL(postgresUrl);
url.pathname = `/${dbName}`;
const model = await createOrm({ url: url.toString(), migrate: true });
await seedFindings(url.toString(), Number(process.env.N ?? 100_000), () => {});
const redis = new Redis(process.env.XAO_REDIS_URL ?? 'redis://127.0.0.1:6379');
const app = await createApp({
  config: parseConfig({
    databaseUrl: url.toString(),
    redisKeyPrefix: `${dbName}:`,
    rateLimitPerMinute: 1e9,
    rateLimitPerIpPerMinute: 1e9,
    oidc: {},
    xero: {},
  }),
  model,
  redis,
  logger: pino({ level: process.env.LOG ?? 'info' }, pino.destination('/dev/null')),
  kube: null,
  oidc: null,
  stateSigner: OAuthStateSigner.random(),
});
if (process.env.EXPLAIN) {
  const c = new pg.Client({ connectionString: url.toString() });
  await c.connect();
  const plan = await c.query(
    `explain analyze select f.*, c.namespace, c.name from finding f inner join connection c on c.id = f.connection_id where f.status in ('open') order by f.first_seen_at desc, f.id desc limit 51`,
  );
  console.log(plan.rows.map((r) => r['QUERY PLAN']).join('\n'));
  await c.end();
}
const { token } = await model.db.tokens.create({ name: 'p', role: 'viewer' });
const headers = { authorization: `Bearer ${token}` };
for (const path of [
  '/health/live',
  '/findings?status=open&limit=50',
  '/findings?status=open&severity=high&limit=50',
]) {
  for (let i = 0; i < 50; i++) await app.inject({ method: 'GET', url: path, headers });
  const n = 400;
  const started = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await app.inject({ method: 'GET', url: path, headers });
  const ms = Number(process.hrtime.bigint() - started) / 1e6 / n;
  const cpu = process.cpuUsage();
  console.log(
    `${path}: ${ms.toFixed(2)} ms/request (cpu so far ${(cpu.user / 1000).toFixed(0)} ms)`,
  );
}
await app.close();
redis.disconnect();
await model.close();
await admin.query(`drop database "${dbName}" with (force)`);
await admin.end();

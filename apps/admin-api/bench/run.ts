/**
 * GET /findings under load: 1,000,000 findings in PostgreSQL, filtered and keyset-paginated
 * requests at 200 req/s (autocannon) against the built API over loopback HTTP.
 * Writes bench/results/admin-api.json and .md at the repository root.
 */
import { spawn } from 'node:child_process';
import type { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { resultsDir, writeBenchResult, type Figure } from '@xero-access/bench';
import { createOrm } from '@xero-access/model';
import pg from 'pg';
import { seedFindings } from './seed-findings.js';

const TOTAL = Number(process.env.XAO_BENCH_FINDINGS ?? 1_000_000);
const RATE = 200;
const DURATION_S = Number(process.env.XAO_BENCH_SECONDS ?? 30);
const postgresUrl = process.env.XAO_POSTGRES_URL ?? 'postgres://xao:xao@127.0.0.1:5432/xao';
const redisUrl = process.env.XAO_REDIS_URL ?? 'redis://127.0.0.1:6379';
const appDir = fileURLToPath(new URL('..', import.meta.url));
const log = (line: string) => process.stderr.write(`${line}\n`);

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function get(
  url: string,
  token: string,
): Promise<{ items: unknown[]; nextCursor: string | null }> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  if (response.status !== 200)
    throw new Error(`${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as { items: unknown[]; nextCursor: string | null };
}

async function load(base: string, token: string, paths: string[], seconds: number, rate: number) {
  let i = 0;
  return autocannon({
    url: base,
    connections: 20,
    overallRate: rate,
    duration: seconds,
    headers: { authorization: `Bearer ${token}` },
    requests: [
      {
        method: 'GET',
        setupRequest: (request) => ({ ...request, path: paths[i++ % paths.length]! }),
      },
    ],
  });
}

export interface PacedResult {
  requests: number;
  perSecond: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  failures: number;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;

/**
 * `rate` req/s spread over the second: autocannon's own rate limit releases each connection's
 * quota at the start of every second (a burst), so this runs `clients` autocannon instances of
 * one connection each, their seconds staggered by 1/clients s, and merges every response time.
 */
async function paced(
  base: string,
  token: string,
  paths: string[],
  seconds: number,
  rate: number,
  clients = 20,
): Promise<PacedResult> {
  const latencies: number[] = [];
  let failures = 0;
  const runs: Promise<unknown>[] = [];
  for (let c = 0; c < clients; c++) {
    let i = c;
    // Without a callback autocannon returns its tracker: an EventEmitter that is also thenable.
    const instance = autocannon({
      url: base,
      connections: 1,
      overallRate: rate / clients,
      duration: seconds,
      headers: { authorization: `Bearer ${token}` },
      requests: [
        {
          method: 'GET',
          setupRequest: (request) => ({ ...request, path: paths[i++ % paths.length]! }),
        },
      ],
    }) as unknown as EventEmitter & PromiseLike<unknown>;
    instance.on(
      'response',
      (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
        latencies.push(responseTime);
        if (statusCode >= 300) failures++;
      },
    );
    instance.on('reqError', () => failures++);
    runs.push(Promise.resolve(instance));
    await new Promise((r) => setTimeout(r, 1000 / clients));
  }
  await Promise.all(runs);
  latencies.sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    requests: latencies.length,
    // Each instance runs `seconds` at its share of the rate (their starts are staggered).
    perSecond: round(latencies.length / seconds),
    p50: round(percentile(latencies, 0.5)),
    p90: round(percentile(latencies, 0.9)),
    p99: round(percentile(latencies, 0.99)),
    max: round(latencies.at(-1) ?? NaN),
    failures,
  };
}

async function main(): Promise<void> {
  const dbName = `bench_admin_api_${randomBytes(4).toString('hex')}`;
  const dbUrl = new URL(postgresUrl);
  dbUrl.pathname = `/${dbName}`;
  await adminQuery(`create database "${dbName}"`);
  let server: ReturnType<typeof spawn> | undefined;
  try {
    const model = await createOrm({ url: dbUrl.toString(), migrate: true });
    await model.close();
    log(`seeding ${TOTAL} findings into ${dbName}`);
    const seedStarted = Date.now();
    const namespace = await seedFindings(dbUrl.toString(), TOTAL, log);
    const seedSeconds = (Date.now() - seedStarted) / 1000;

    const port = await freePort();
    const token = `xao_${randomBytes(32).toString('base64url')}`;
    server = spawn(process.execPath, [join(appDir, 'dist/cli.js'), 'serve'], {
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        METRICS_PORT: String(await freePort()),
        METRICS_HOST: '127.0.0.1',
        DATABASE_URL: dbUrl.toString(),
        REDIS_URL: redisUrl,
        REDIS_KEY_PREFIX: `${dbName}:`,
        BOOTSTRAP_ADMIN_TOKEN: token,
        RATE_LIMIT_PER_MINUTE: '1000000',
        RATE_LIMIT_PER_IP_PER_MINUTE: '1000000',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const base = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(`${base}/health/ready`)).ok) break;
      } catch {
        // not listening yet
      }
      if (i > 300) throw new Error('the API did not become ready');
      await new Promise((r) => setTimeout(r, 100));
    }

    const filters = [
      'status=open',
      'status=open&severity=high',
      `connection=${namespace}/conn-07&status=open`,
      'tenant=tenant-3-1&status=open',
      'check=user-identified&status=open',
      `connection=${namespace}/conn-12&check=offboarded-access-removed&status=open`,
      'status=open&since=2026-06-01T00:00:00Z',
      'status=accepted&order=asc',
    ];
    // Each filter's first five pages: page 1 plus four cursors taken from real responses.
    const paths: string[] = [];
    for (const filter of filters) {
      let cursor: string | null = null;
      for (let page = 0; page < 5; page++) {
        const path = `/findings?${filter}&limit=50${cursor ? `&cursor=${cursor}` : ''}`;
        paths.push(path);
        const body = await get(`${base}${path}`, token);
        if (body.items.length === 0)
          throw new Error(`${path} returned no findings: the seed does not match the filters`);
        cursor = body.nextCursor;
        if (!cursor) break;
      }
    }
    log(`${paths.length} distinct filtered/paginated requests; warming up`);
    await load(base, token, paths, 5, 100);
    const loadBefore = loadavg()[0]!;
    log(`measuring GET /findings at ${RATE} req/s for ${DURATION_S} s`);
    const findings = await paced(base, token, paths, DURATION_S, RATE);
    log(`paced: ${JSON.stringify(findings)}; now with autocannon's bursty rate limit`);
    const burst = await load(base, token, paths, DURATION_S, RATE);
    const loadAfter = loadavg()[0]!;
    log('measuring one request at a time (service time without queueing)');
    let j = 0;
    const sequential = await autocannon({
      url: base,
      connections: 1,
      amount: 1000,
      headers: { authorization: `Bearer ${token}` },
      requests: [
        {
          method: 'GET',
          setupRequest: (request) => ({ ...request, path: paths[j++ % paths.length]! }),
        },
      ],
    });
    log('measuring GET /health/live (framework floor) at the same rate');
    const floor = await paced(base, token, ['/health/live'], Math.min(DURATION_S, 10), RATE);

    const figures: Figure[] = [
      {
        id: 'findings-p50',
        label: 'GET /findings (filtered, paginated) at 200 req/s, median',
        unit: 'ms',
        value: findings.p50,
        baseline: { label: 'GET /health/live', value: floor.p50 },
      },
      {
        id: 'findings-p99',
        label: 'GET /findings (filtered, paginated) at 200 req/s, p99',
        unit: 'ms',
        value: findings.p99,
        baseline: { label: 'GET /health/live', value: floor.p99 },
        goal: { op: '<', value: 50 },
      },
      {
        id: 'findings-max',
        label: 'GET /findings at 200 req/s, slowest request',
        unit: 'ms',
        value: findings.max,
      },
      {
        id: 'findings-rps',
        label: 'GET /findings, achieved throughput',
        unit: 'req/s',
        value: findings.perSecond,
        goal: { op: '>=', value: RATE * 0.95 },
      },
      {
        id: 'findings-errors',
        label: 'non-2xx responses and errors',
        unit: 'count',
        value: findings.failures + burst.non2xx + burst.errors + burst.timeouts,
        goal: { op: '<=', value: 0 },
      },
      {
        id: 'findings-burst-p99',
        label:
          "GET /findings, 200 requests released at the start of each second (autocannon's overallRate), p99",
        unit: 'ms',
        value: burst.latency.p99,
      },
      {
        id: 'findings-sequential-p50',
        label: 'GET /findings one at a time (no queueing), median',
        unit: 'ms',
        value: sequential.latency.p50,
      },
      {
        id: 'findings-sequential-p99',
        label: 'GET /findings one at a time (no queueing), p99',
        unit: 'ms',
        value: sequential.latency.p99,
      },
      {
        id: 'seed-seconds',
        label: `insert ${TOTAL.toLocaleString('en')} findings (multi-row INSERT, 20k rows per statement)`,
        unit: 's',
        value: Math.round(seedSeconds * 10) / 10,
      },
    ];
    const notes = [
      `${TOTAL.toLocaleString('en')} findings in PostgreSQL (20 connections × 2 tenants × 4 checks; 25% open), ${paths.length} distinct URLs: ${filters.length} filters × up to 5 keyset pages of 50`,
      `${RATE} req/s spread over each second: 20 autocannon instances of one connection at ${RATE / 20} req/s, staggered by 50 ms, ${DURATION_S} s after a 5 s warm-up; every response time merged (${findings.requests} requests: p50 ${findings.p50} ms, p90 ${findings.p90} ms, p99 ${findings.p99} ms, max ${findings.max} ms)`,
      `for comparison, autocannon's own overallRate (20 connections) releases each second's quota at once: p50 ${burst.latency.p50} ms, p99 ${burst.latency.p99} ms`,
      'API built (node dist/cli.js serve) with the access log at info, token auth and the Redis rate limiter in the path; loopback HTTP',
      `${cpus().length} cores shared by PostgreSQL, Redis, the API, autocannon and whatever else runs: 1-minute load average ${loadBefore.toFixed(1)} before and ${loadAfter.toFixed(1)} after the measurement (GET /health/live, which touches no database, is the floor this machine allowed); Node.js ${process.versions.node}`,
    ];
    const file = writeBenchResult({
      benchmark: 'admin-api',
      title: 'Admin API: GET /findings over 1M findings',
      ranAt: new Date().toISOString(),
      command: 'npm run bench -w @xero-access/admin-api',
      figures,
      notes,
    });
    const md = [
      '# Admin API: GET /findings over 1,000,000 findings',
      '',
      '| figure | value | baseline | goal |',
      '|---|---|---|---|',
      ...figures.map(
        (f) =>
          `| ${f.label} | ${f.value} ${f.unit} | ${f.baseline ? `${f.baseline.label}: ${f.baseline.value} ${f.unit}` : ''} | ${f.goal ? `${f.goal.op} ${f.goal.value} ${f.unit}` : ''} |`,
      ),
      '',
      ...notes.map((n) => `- ${n}`),
      '',
    ].join('\n');
    writeFileSync(join(resultsDir, 'admin-api.md'), md);
    log(`wrote ${file}\n${md}`);
  } finally {
    server?.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    await adminQuery(`drop database if exists "${dbName}" with (force)`).catch((error: unknown) =>
      log(`could not drop ${dbName}: ${(error as Error).message}`),
    );
  }
}

main().catch((error: unknown) => {
  log(`bench failed: ${(error as Error).stack ?? String(error)}`);
  process.exit(1);
});

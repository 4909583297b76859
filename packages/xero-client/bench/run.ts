/**
 * Benchmark: utilisation of the binding Xero limit by two client processes sharing one Redis,
 * offered 3× the allowed rate against the sandbox with compressed windows, next to a naive
 * client (no shared limiter; after a 429 it waits Retry-After and retries) under the same load.
 * Writes bench/results/xero-client.json and .md at the repository root.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cpus } from 'node:os';
import { createXeroClient } from '../src/client.js';
import { createLimiterRedis } from '../src/redis.js';
import { type LoadJob, type LoadResult } from '../src/test/driver-protocol.js';
import { runDrivers } from '../src/test/drivers.js';
import { appOf, endpointsOf, grantOf, startTestSandbox } from '../src/test/sandbox-fixture.js';
import { maxInWindow, meanWindowOccupancy } from './utilisation.js';
import { writeBenchResult, type BenchResult, type Figure } from '@xero-access/bench';

const redisUrl = process.env.XAO_REDIS_URL ?? 'redis://127.0.0.1:6379';
/** Compressed "minute" lengths to run (Xero's is 60 s); every run lasts `windows` of them. */
const windowLengths = (process.env.XAO_BENCH_WINDOW_MS ?? '5000,10000').split(',').map(Number);
const windows = Number(process.env.XAO_BENCH_WINDOWS ?? 8);
const OVERLOAD = 3;

interface Scenario {
  name: string;
  binding: 'tenant minute' | 'app minute';
  tenants: number;
  limits: {
    tenantConcurrent: number;
    tenantPerMinute: number;
    tenantPerDay: number;
    appPerMinute: number;
    dayWindowMs: number;
  };
  bindingLimit: number;
}

const only = process.env.XAO_BENCH_ONLY;
const allScenarios: Scenario[] = [
  {
    name: 'one organisation, per-tenant minute limit binds',
    binding: 'tenant minute',
    tenants: 1,
    limits: {
      tenantConcurrent: 5,
      tenantPerMinute: 60,
      tenantPerDay: 5_000,
      appPerMinute: 10_000,
      dayWindowMs: 3_600_000,
    },
    bindingLimit: 60,
  },
  {
    name: 'eight organisations, per-app minute limit binds',
    binding: 'app minute',
    tenants: 8,
    limits: {
      tenantConcurrent: 5,
      tenantPerMinute: 60,
      tenantPerDay: 5_000,
      appPerMinute: 300,
      dayWindowMs: 3_600_000,
    },
    bindingLimit: 300,
  },
];
const scenarios = allScenarios.filter((s) => !only || s.binding === only);
const modes = (process.env.XAO_BENCH_MODES ?? 'shared,naive').split(',') as LoadJob['mode'][];

interface Row {
  windowMs: number;
  scenario: string;
  binding: string;
  client: 'shared limiter (this package)' | 'naive (retry on 429)';
  allowedPerWindow: number;
  offeredPerSecond: number;
  durationMs: number;
  succeeded: number;
  rateLimited429: number;
  rateLimitedByProblem: Record<string, number>;
  utilisation: number;
  callsOverAllowed: number;
  maxCallsInAnyWindowSeenByClients: number;
  maxInFlightPerTenant: number;
  abandonedAtEnd: number;
  redisFallbackWarnings: number;
}

async function run(scenario: Scenario, mode: LoadJob['mode'], windowMs: number): Promise<Row> {
  const limits = { ...scenario.limits, minuteWindowMs: windowMs };
  const sandbox = await startTestSandbox(scenario.tenants, { limits, accessTokenTtlMs: 3_600_000 });
  try {
    const redis = createLimiterRedis(redisUrl);
    const client = createXeroClient({
      credentials: appOf(sandbox),
      endpoints: endpointsOf(sandbox),
      redis,
    });
    const tokens = await client.identity.refresh(grantOf(sandbox).refreshToken);
    redis.disconnect();
    const durationMs = windows * windowMs;
    const allowedPerSecond = (scenario.bindingLimit / windowMs) * 1000;
    const offeredPerSecond = OVERLOAD * allowedPerSecond;
    const job: LoadJob = {
      kind: 'load',
      mode,
      endpoints: endpointsOf(sandbox),
      credentials: appOf(sandbox),
      accessToken: tokens.accessToken,
      tenantIds: grantOf(sandbox).tenantIds,
      redisUrl,
      keyPrefix: `bench-${randomBytes(4).toString('hex')}`,
      limits,
      offeredPerSecond: offeredPerSecond / 2,
      durationMs,
    };
    let started = 0;
    const results = await runDrivers<LoadResult>([job, job], () => {
      sandbox.resetStats();
      started = Date.now();
    });
    const stats = sandbox.stats();
    const times = results.flatMap((r) => r.succeededAt);
    const succeeded = results.reduce((sum, r) => sum + r.succeeded, 0);
    const allowedInRun = scenario.bindingLimit * windows;
    return {
      windowMs,
      scenario: scenario.name,
      binding: scenario.binding,
      client: mode === 'shared' ? 'shared limiter (this package)' : 'naive (retry on 429)',
      allowedPerWindow: scenario.bindingLimit,
      offeredPerSecond,
      durationMs,
      succeeded,
      rateLimited429: Object.values(stats.rateLimited).reduce((a, b) => a + b, 0),
      rateLimitedByProblem: stats.rateLimited,
      utilisation: meanWindowOccupancy(
        times,
        started,
        started + durationMs,
        windowMs,
        scenario.bindingLimit,
      ),
      callsOverAllowed: succeeded / allowedInRun,
      maxCallsInAnyWindowSeenByClients: maxInWindow(times, windowMs),
      maxInFlightPerTenant: stats.maxInFlightObserved,
      abandonedAtEnd: results.reduce((sum, r) => sum + r.abandoned, 0),
      redisFallbackWarnings: results.reduce((sum, r) => sum + r.redisFallbacks, 0),
    };
  } finally {
    await sandbox.close();
  }
}

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

function markdown(rows: Row[], meta: Record<string, unknown>): string {
  const lines = [
    '# xero-client benchmark: utilisation of the binding rate limit',
    '',
    `Two client processes share one Redis and are offered ${OVERLOAD}× the allowed rate against the Xero sandbox ` +
      `(compressed windows: a "minute" of ${windowLengths.join(' or ')} ms instead of 60 s; each run lasts ${windows} windows). The naive baseline has no ` +
      'shared limiter and retries each 429 after Retry-After. Utilisation = mean, over window positions spread across ' +
      'the run, of calls in the window / the binding limit (goal ≥ 95 % with 0 × 429).',
    '',
    '| "minute" | scenario | binding limit | client | succeeded | 429s | utilisation | max calls in any window (limit) | max in flight |',
    '|---:|---|---|---|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.windowMs / 1000} s | ${r.scenario} | ${r.binding} (${r.allowedPerWindow}/window) | ${r.client} | ${r.succeeded} | ${r.rateLimited429} | ` +
        `${pct(r.utilisation)} | ${r.maxCallsInAnyWindowSeenByClients} (${r.allowedPerWindow}) | ${r.maxInFlightPerTenant} |`,
    ),
    '',
    `Measured ${String(meta.finishedAt)} on ${String(meta.cpus)} CPU(s), Node ${process.version}.`,
    '"max calls in any window" is measured from response arrival times in the clients, so it can differ',
    "from the sandbox's view by the response latency; the sandbox itself refuses (429) anything over its limits.",
    'The sandbox does not count refused calls against any window, so the naive client loses little budget to its',
    '429s here; what it costs is the 429s themselves (each one a warning sign to Xero) and callers waiting',
    'whole Retry-After seconds. "max in flight" is the sandbox\'s per-tenant peak.',
    '',
  ];
  return lines.join('\n');
}

const rows: Row[] = [];
for (const windowMs of windowLengths) {
  for (const scenario of scenarios) {
    for (const mode of modes) {
      process.stdout.write(`${windowMs} ms windows, ${scenario.name} / ${mode} ... `);
      const row = await run(scenario, mode, windowMs);
      rows.push(row);
      console.log(
        `${row.succeeded} calls, ${row.rateLimited429} × 429 ${JSON.stringify(row.rateLimitedByProblem)}, ` +
          `utilisation ${pct(row.utilisation)}, Redis fallback warnings ${row.redisFallbackWarnings}`,
      );
    }
  }
}
const meta = {
  finishedAt: new Date().toISOString(),
  cpus: cpus().length,
  windowLengths,
  windows,
  overload: OVERLOAD,
};
const outDir = fileURLToPath(new URL('../../../bench/results/', import.meta.url));
mkdirSync(outDir, { recursive: true });
writeFileSync(
  `${outDir}xero-client.details.json`,
  `${JSON.stringify({ ...meta, rows }, null, 2)}\n`,
);
writeBenchResult(summary(rows, meta.finishedAt));
writeFileSync(`${outDir}xero-client.md`, markdown(rows, meta));
console.log(`wrote ${outDir}xero-client.json, .details.json and .md`);

/** For the performance report: each scenario's utilisation and 429s, the naive client as the baseline. */
function summary(all: Row[], ranAt: string): BenchResult {
  const figures: Figure[] = [];
  for (const shared of all.filter((r) => r.client === 'shared limiter (this package)')) {
    const naive = all.find(
      (r) =>
        r.client !== shared.client &&
        r.windowMs === shared.windowMs &&
        r.scenario === shared.scenario,
    );
    const what = `${shared.binding} binds, ${shared.windowMs / 1000} s "minute"`;
    const id = `${shared.binding.replace(/\s+/g, '-')}-${shared.windowMs}`;
    figures.push({
      id: `utilisation-${id}`,
      label: `${what}: utilisation`,
      unit: '%',
      value: shared.utilisation * 100,
      ...(naive ? { baseline: { label: 'naive client', value: naive.utilisation * 100 } } : {}),
      goal: { op: '>=', value: 95 },
    });
    figures.push({
      id: `429-${id}`,
      label: `${what}: 429s`,
      unit: 'count',
      value: shared.rateLimited429,
      ...(naive ? { baseline: { label: 'naive client', value: naive.rateLimited429 } } : {}),
      goal: { op: '<=', value: 0 },
    });
  }
  return {
    benchmark: 'xero-client',
    title: 'Xero client: binding-limit utilisation, two processes at 3× the allowed rate',
    ranAt,
    command: 'npm run bench -w @xero-access/xero-client',
    figures,
    notes: ['details: bench/results/xero-client.details.json'],
  };
}

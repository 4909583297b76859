#!/usr/bin/env node
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderChart } from './chart.js';
import { resultsDir } from './index.js';
import { renderMarkdown } from './report.js';
import { isStale, readResults, ResultsFolderError } from './results.js';

/** Set by the root's `npm run bench` before any benchmark runs: results older than it are stale. */
const STARTED_AT_ENV = 'XAO_BENCH_STARTED_AT';

function fail(message: string): never {
  process.stderr.write(`[bench] ${message}\n`);
  process.exit(1);
}

function runStart(): Date | undefined {
  const raw = process.env[STARTED_AT_ENV];
  if (!raw) return undefined;
  const time = /^\d{4}-\d{2}-\d{2}T/.test(raw) ? Date.parse(raw) : Number.NaN;
  if (Number.isNaN(time))
    fail(
      `${STARTED_AT_ENV} must be an ISO 8601 timestamp such as 2026-12-07T10:00:00Z, got "${raw}"`,
    );
  return new Date(time);
}

function read(dir: string) {
  try {
    return readResults(dir);
  } catch (error) {
    if (!(error instanceof ResultsFolderError)) throw error;
    fail(
      `${error.message}: run \`npm run bench\` from the repository root first, or set XAO_BENCH_RESULTS to the folder`,
    );
  }
}

const dir = resultsDir;
const startedAt = runStart();
const date = new Date().toISOString().slice(0, 10);
const { results, problems } = read(dir);
const stale = results.filter((r) => isStale(r, startedAt)).map((r) => r.benchmark);
mkdirSync(join(dir, 'charts'), { recursive: true });
const charts: Record<string, string> = {};
for (const r of results) {
  process.stderr.write(`[bench] chart for ${r.benchmark}\n`);
  writeFileSync(join(dir, 'charts', `${r.benchmark}.png`), await renderChart(r));
  charts[r.benchmark] = `charts/${r.benchmark}.png`;
}
writeFileSync(
  join(dir, `${date}.json`),
  `${JSON.stringify({ date, startedAt: startedAt?.toISOString(), stale, results, problems }, null, 2)}\n`,
);
writeFileSync(join(dir, `${date}.md`), renderMarkdown(date, results, charts, problems, startedAt));
const trouble = [
  problems.length ? `${problems.length} unreadable` : '',
  stale.length ? `stale (ran before ${startedAt!.toISOString()}): ${stale.join(', ')}` : '',
].filter(Boolean);
process.stderr.write(
  `[bench] wrote ${join(dir, `${date}.md`)} (${results.length} benchmarks${trouble.length ? `; ${trouble.join('; ')}` : ''})\n`,
);
for (const problem of problems) process.stderr.write(`[bench] unreadable: ${problem}\n`);
process.exitCode = problems.length || stale.length ? 1 : 0;

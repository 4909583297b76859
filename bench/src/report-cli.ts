#!/usr/bin/env node
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderChart } from './chart.js';
import { renderMarkdown } from './report.js';
import { readResults } from './results.js';

const dir = process.env.XAO_BENCH_RESULTS ?? fileURLToPath(new URL('../results', import.meta.url));
const date = new Date().toISOString().slice(0, 10);
const { results, problems } = readResults(dir);
mkdirSync(join(dir, 'charts'), { recursive: true });
const charts: Record<string, string> = {};
for (const r of results) {
  process.stderr.write(`[bench] chart for ${r.benchmark}\n`);
  writeFileSync(join(dir, 'charts', `${r.benchmark}.png`), await renderChart(r));
  charts[r.benchmark] = `charts/${r.benchmark}.png`;
}
writeFileSync(
  join(dir, `${date}.json`),
  `${JSON.stringify({ date, results, problems }, null, 2)}\n`,
);
writeFileSync(join(dir, `${date}.md`), renderMarkdown(date, results, charts, problems));
process.stderr.write(
  `[bench] wrote ${join(dir, `${date}.md`)} (${results.length} benchmarks${problems.length ? `, ${problems.length} unreadable` : ''})\n`,
);
process.exitCode = problems.length ? 1 : 0;

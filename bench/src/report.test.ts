import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderChart } from './chart.js';
import { renderMarkdown } from './report.js';
import { goalMet, readResults, type BenchResult } from './results.js';

const sample: BenchResult = {
  benchmark: 'policies',
  title: 'Policy evaluation',
  ranAt: '2026-11-23T00:00:00Z',
  command: 'npm run bench -w @xero-access/policies',
  figures: [
    {
      id: 'p50-10k',
      label: '10,000 users median',
      unit: 'ms',
      value: 20,
      baseline: { label: 'opa eval', value: 400 },
      goal: { op: '<', value: 50 },
    },
    { id: 'growth', label: '100k / 10k', unit: '×', value: 14, goal: { op: '<=', value: 12 } },
  ],
};

describe('performance report', () => {
  it('judges goals in both directions', () => {
    expect(goalMet(sample.figures[0]!)).toBe(true);
    expect(goalMet(sample.figures[1]!)).toBe(false);
    expect(
      goalMet({ id: 'x', label: 'x', unit: '%', value: 96, goal: { op: '>=', value: 95 } }),
    ).toBe(true);
  });

  it('sets each figure beside its baseline and goal in the table', () => {
    const md = renderMarkdown('2026-11-23', [sample], { policies: 'charts/policies.png' }, []);
    expect(md).toContain(
      '| 10,000 users median | 20.00 ms | 400 ms (opa eval) | 0.05× | < 50.00 ms ✅ |',
    );
    expect(md).toContain('| 100k / 10k | 14.00 × | — | — | <= 12.00 × ❌ |');
    expect(md).toContain('goals met: 1 of 2');
    expect(md).toContain('![Policy evaluation](charts/policies.png)');
  });

  it('reports a malformed result file instead of dropping it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-'));
    writeFileSync(join(dir, 'good.json'), JSON.stringify(sample));
    writeFileSync(
      join(dir, 'bad.json'),
      JSON.stringify({ benchmark: 'x', figures: [{ id: 'a' }] }),
    );
    writeFileSync(join(dir, '2026-11-23.json'), '{}');
    const { results, problems } = readResults(dir);
    expect(results.map((r) => r.benchmark)).toEqual(['policies']);
    expect(problems).toEqual(['bad.json: figures[0] needs id, label, unit and a finite value']);
  });

  it('renders a PNG chart', async () => {
    const png = await renderChart(sample);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.length).toBeGreaterThan(2000);
  });
});

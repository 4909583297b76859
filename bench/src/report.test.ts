import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderChart } from './chart.js';
import { renderMarkdown } from './report.js';
import { goalMet, readResults, ResultsFolderError, type BenchResult } from './results.js';

const CLI = fileURLToPath(new URL('./report-cli.ts', import.meta.url));

/** `node bench/dist/report-cli.js` as the root's `npm run bench` starts it, from source. */
function reportCli(env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', CLI],
      { encoding: 'utf8', env: { ...process.env, ...env } },
      (error, _stdout, stderr) =>
        resolve({ code: typeof error?.code === 'number' ? error.code : 0, stderr }),
    );
  });
}

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

  it('names the file and the field of a result that is not JSON or lacks a field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-'));
    writeFileSync(join(dir, 'cut.json'), '{"benchmark": "cut", "fig');
    writeFileSync(join(dir, 'undated.json'), JSON.stringify({ ...sample, ranAt: undefined }));
    writeFileSync(join(dir, 'list.json'), '[]');
    const { results, problems } = readResults(dir);
    expect(results).toEqual([]);
    expect(problems).toEqual([
      expect.stringMatching(/^cut\.json: Unterminated string in JSON/),
      'list.json: must be a JSON object, got object []',
      'undated.json: "ranAt" must be an ISO 8601 timestamp, got nothing',
    ]);
  });

  it('says which results folder is missing', () => {
    const missing = join(tmpdir(), 'no-such-bench-results');
    expect(() => readResults(missing)).toThrow(
      new ResultsFolderError(missing, Object.assign(new Error('x'), { code: 'ENOENT' })),
    );
    expect(() => readResults(missing)).toThrow(`no results folder at ${missing}`);
  });

  it('marks a result from before the run started stale and does not count its goals', () => {
    const old = { ...sample, benchmark: 'old', title: 'Old one', ranAt: '2026-11-22T23:00:00Z' };
    const md = renderMarkdown(
      '2026-11-23',
      [sample, old],
      {},
      [],
      new Date('2026-11-23T00:00:00Z'),
    );
    expect(md).toContain('goals met: 1 of 4.');
    expect(md).toContain('**Stale:** old ran before this run started (2026-11-23T00:00:00.000Z)');
    expect(md).toContain('## Old one (stale)');
    expect(md).toContain(
      '| 10,000 users median | 20.00 ms | 400 ms (opa eval) | 0.05× | < 50.00 ms ⚠️ stale, not judged |',
    );
    // The fresh result's row is judged as before; without a start nothing is stale.
    expect(md).toContain('< 50.00 ms ✅');
    expect(renderMarkdown('2026-11-23', [sample, old], {}, [])).toContain('goals met: 2 of 4.');
  });

  it('the CLI exits 1 naming a stale result and writes it into the report', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-'));
    writeFileSync(join(dir, 'policies.json'), JSON.stringify(sample));
    const run = await reportCli({
      XAO_BENCH_RESULTS: dir,
      XAO_BENCH_STARTED_AT: '2026-11-23T12:00:00Z',
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('stale (ran before 2026-11-23T12:00:00.000Z): policies');
    const date = new Date().toISOString().slice(0, 10);
    expect(readFileSync(join(dir, `${date}.md`), 'utf8')).toContain('## Policy evaluation (stale)');
    const json = JSON.parse(readFileSync(join(dir, `${date}.json`), 'utf8')) as { stale: string[] };
    expect(json.stale).toEqual(['policies']);
    const fresh = await reportCli({
      XAO_BENCH_RESULTS: dir,
      XAO_BENCH_STARTED_AT: '2026-11-22T12:00:00Z',
    });
    expect(fresh.stderr).not.toContain('stale');
    expect(fresh.code).toBe(0);
  }, 60_000);

  it('the CLI names a missing results folder, without a stack trace', async () => {
    const missing = join(tmpdir(), 'no-such-bench-results');
    const run = await reportCli({ XAO_BENCH_RESULTS: missing });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `[bench] no results folder at ${missing}: run \`npm run bench\` from the repository root first, or set XAO_BENCH_RESULTS to the folder\n`,
    );
  }, 60_000);

  it('the CLI refuses a run start that is not a timestamp, naming the variable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-'));
    const run = await reportCli({ XAO_BENCH_RESULTS: dir, XAO_BENCH_STARTED_AT: 'yesterday' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('XAO_BENCH_STARTED_AT must be an ISO 8601 timestamp');
  }, 60_000);

  it('renders a PNG chart', async () => {
    const png = await renderChart(sample);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.length).toBeGreaterThan(2000);
  });
});

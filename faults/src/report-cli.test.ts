import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const CLI = fileURLToPath(new URL('./report-cli.ts', import.meta.url));

/** `npm run faults:report` (tsx src/report-cli.ts) on folders of the test's own. */
function report(
  faultsDir: string,
  benchDir: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', CLI],
      {
        encoding: 'utf8',
        env: { ...process.env, XAO_FAULT_RESULTS: faultsDir, XAO_BENCH_RESULTS: benchDir },
      },
      (error, stdout, stderr) =>
        resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr }),
    );
  });
}

const row = {
  id: 'postgres-outage',
  kind: 'fault',
  title: 'PostgreSQL outage',
  injected: 'stopped 3.4 s',
  held: 'Ready=False DatabaseUnavailable',
  dataLost: 0,
  dataChecked: 'snapshots 2 → 3',
  command: 'npm run faults -w @xero-access/faults -- test/postgres-outage.fault.test.ts',
  ranAt: '2026-11-23T11:00:00.000Z',
};

// Each case starts the CLI from source through tsx (seconds on a busy machine).
describe('faults report CLI', { timeout: 60_000 }, () => {
  it('exits 1 naming the truncated file and the wrong field, and still writes the rest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faults-'));
    writeFileSync(join(dir, 'postgres-outage.json'), JSON.stringify(row));
    writeFileSync(join(dir, 'redis-outage.json'), JSON.stringify(row).slice(0, 40));
    writeFileSync(
      join(dir, 'sandbox-storm.json'),
      JSON.stringify({ ...row, id: 'sandbox-storm', dataLost: '2' }),
    );
    const run = await report(dir, mkdtempSync(join(tmpdir(), 'bench-')));
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /faults report: unreadable: redis-outage\.json: Unterminated string/,
    );
    expect(run.stderr).toContain(
      'faults report: unreadable: sandbox-storm.json: "dataLost" must be a whole number, 0 or more, got string "2"',
    );
    expect(run.stderr).not.toMatch(/\n\s+at /);
    const md = readFileSync(join(dir, 'report.md'), 'utf8');
    expect(md).toContain('data lost in total: **0** ❌ in the rows that could be read');
    expect(md).toContain('## Result files that could not be read');
    expect(md).toContain('| PostgreSQL outage: stopped 3.4 s |');
    expect(md).not.toContain('undefined');
  });

  it('exits 0 when every row can be read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faults-'));
    writeFileSync(join(dir, 'postgres-outage.json'), JSON.stringify(row));
    const run = await report(dir, join(dir, 'no-bench-results'));
    expect(run.stderr).toContain('bench result skipped: no results folder at');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('1 scenarios, 0 benchmarks');
  });

  it('names a missing results folder, without a stack trace', async () => {
    const missing = join(tmpdir(), 'no-such-fault-results');
    const run = await report(missing, missing);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `faults report: no results folder at ${missing}: run \`npm run faults\` first\n`,
    );
  });
});

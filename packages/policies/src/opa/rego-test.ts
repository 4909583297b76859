import { resolve } from 'node:path';
import { policyRoots, runOpa } from './opa-tool.js';

export interface RegoTestReport {
  passed: boolean;
  /** opa test's own verbose output (which tests ran, what failed). */
  output: string;
  /** Line coverage of the policy files (tests excluded), in percent. */
  coverage: number;
  /** Per policy file coverage, for finding the gap. */
  files: Record<string, number>;
}

interface CoverageReport {
  files?: Record<string, { covered_lines?: number; not_covered_lines?: number; coverage?: number }>;
}

/**
 * Runs `opa test` over the checks (and extra folders); when they pass, measures coverage of the
 * non-test Rego. `--var-values` makes a failed table test show which cases failed and why.
 */
export async function runRegoTests(include: readonly string[] = []): Promise<RegoTestReport> {
  const roots = policyRoots(include.map((dir) => resolve(dir)));
  const run = await runOpa(['test', '--verbose', '--var-values', ...roots]);
  const output = (run.stdout + run.stderr).trim();
  if (run.exitCode !== 0) return { passed: false, output, coverage: 0, files: {} };
  const coverageRun = await runOpa(['test', '--coverage', '--format', 'json', ...roots]);
  if (coverageRun.exitCode !== 0) {
    const why = (coverageRun.stderr || coverageRun.stdout).trim();
    return {
      passed: false,
      output: `${output}\nopa test --coverage failed: ${why}`,
      coverage: 0,
      files: {},
    };
  }
  const report = JSON.parse(coverageRun.stdout || '{}') as CoverageReport;
  let covered = 0;
  let total = 0;
  const files: Record<string, number> = {};
  for (const [file, stats] of Object.entries(report.files ?? {})) {
    if (file.endsWith('_test.rego')) continue;
    const hit = stats.covered_lines ?? 0;
    const missed = stats.not_covered_lines ?? 0;
    covered += hit;
    total += hit + missed;
    files[file] = stats.coverage ?? (hit + missed === 0 ? 100 : (100 * hit) / (hit + missed));
  }
  return {
    passed: true,
    output,
    coverage: total === 0 ? 0 : Math.round((1000 * covered) / total) / 10,
    files,
  };
}

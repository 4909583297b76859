import { checkedPolicyRoots } from './checked-roots.js';
import { runOpa } from './opa-tool.js';

export interface FileCoverage {
  /** As opa reports it: absolute for the checks and for --include folders. */
  file: string;
  coveredLines: number;
  lines: number;
  /** Line coverage in percent, to one decimal (a file with no lines to cover counts as 100). */
  percent: number;
}

export interface RegoTestReport {
  passed: boolean;
  /** opa test's own verbose output (which tests ran, what failed). */
  output: string;
  /** Line coverage of all policy files together (tests excluded), in percent, to one decimal. */
  coverage: number;
  /** Each policy file's line coverage (tests excluded), sorted by path. */
  files: FileCoverage[];
}

interface CoverageReport {
  files?: Record<string, { covered_lines?: number; not_covered_lines?: number }>;
}

const percentOf = (covered: number, lines: number) =>
  lines === 0 ? 100 : Math.round((1000 * covered) / lines) / 10;

/**
 * Runs `opa test` over the checks (and extra folders); when they pass, measures coverage of the
 * non-test Rego. `--var-values` makes a failed table test show which cases failed and why.
 */
export async function runRegoTests(include: readonly string[] = []): Promise<RegoTestReport> {
  const roots = await checkedPolicyRoots(include);
  const run = await runOpa(['test', '--verbose', '--var-values', ...roots]);
  const output = (run.stdout + run.stderr).trim();
  if (run.exitCode !== 0) return { passed: false, output, coverage: 0, files: [] };
  const coverageRun = await runOpa(['test', '--coverage', '--format', 'json', ...roots]);
  if (coverageRun.exitCode !== 0) {
    const why = (coverageRun.stderr || coverageRun.stdout).trim();
    return {
      passed: false,
      output: `${output}\nopa test --coverage failed: ${why}`,
      coverage: 0,
      files: [],
    };
  }
  const report = JSON.parse(coverageRun.stdout || '{}') as CoverageReport;
  const files = Object.entries(report.files ?? {})
    .filter(([file]) => !file.endsWith('_test.rego'))
    .map(([file, stats]): FileCoverage => {
      const coveredLines = stats.covered_lines ?? 0;
      const lines = coveredLines + (stats.not_covered_lines ?? 0);
      return { file, coveredLines, lines, percent: percentOf(coveredLines, lines) };
    })
    .sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  const covered = files.reduce((sum, file) => sum + file.coveredLines, 0);
  const lines = files.reduce((sum, file) => sum + file.lines, 0);
  return { passed: true, output, coverage: lines === 0 ? 0 : percentOf(covered, lines), files };
}

import { relative } from 'node:path';
import { markdownTable } from 'markdown-table';
import type { FileCoverage, RegoTestReport } from './rego-test.js';

/** The files under the minimum: each file must reach it, so one untested check cannot hide. */
export const filesUnder = (report: RegoTestReport, minimum: number): FileCoverage[] =>
  report.files.filter((file) => file.percent < minimum);

/** A path relative to the working folder when it lies inside it, else as opa reported it. */
export function displayPath(file: string): string {
  const path = relative(process.cwd(), file);
  return path === '' || path.startsWith('..') ? file : path;
}

/** Each policy file's line coverage and the total, as a Markdown table. */
export function formatCoverage(report: RegoTestReport, minimum: number): string {
  const mark = (percent: number) => (percent < minimum ? ' (under)' : '');
  const rows = report.files.map((file) => [
    displayPath(file.file),
    String(file.coveredLines),
    String(file.lines),
    `${file.percent.toFixed(1)}%${mark(file.percent)}`,
  ]);
  const covered = report.files.reduce((sum, file) => sum + file.coveredLines, 0);
  const lines = report.files.reduce((sum, file) => sum + file.lines, 0);
  const table = markdownTable(
    [
      ['policy file', 'lines covered', 'lines', 'coverage'],
      ...rows,
      ['total', String(covered), String(lines), `${report.coverage.toFixed(1)}%`],
    ],
    { align: ['l', 'r', 'r', 'r'] },
  );
  return [
    table,
    `coverage: ${report.coverage}% of policy lines; minimum ${minimum}% in every policy file`,
    '',
  ].join('\n');
}

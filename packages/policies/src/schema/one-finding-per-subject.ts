import type { Finding } from '../generated/policy-output.js';
import type { FieldProblem } from './validate.js';

/**
 * A problem for each finding that repeats an earlier one's check and subject. The database
 * keeps one finding per (check, subject kind, subject id), so a repeat would be dropped
 * silently there; a check that reports a subject twice is refused here instead.
 */
export function repeatedFindings(findings: readonly Finding[]): FieldProblem[] {
  const seen = new Set<string>();
  const problems: FieldProblem[] = [];
  findings.forEach(({ check, subject }, index) => {
    const key = JSON.stringify([check, subject.kind, subject.id]);
    if (!seen.has(key)) {
      seen.add(key);
      return;
    }
    problems.push({
      field: `output.findings[${index}]`,
      problem: `check ${check} reports ${subject.kind} ${subject.id} twice; one finding per check and subject`,
    });
  });
  return problems;
}

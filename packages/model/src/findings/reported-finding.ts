import { z } from 'zod';
import { SEVERITIES } from '../entities/finding.js';
import { ValidationError } from '../errors.js';

/** One finding as the policy reports it (design.md, "Output"). */
export const reportedFindingSchema = z
  .object({
    check: z.string().min(1).max(128),
    severity: z.enum(SEVERITIES),
    subject: z.object({ kind: z.string().min(1).max(32), id: z.string().min(1).max(512) }),
    message: z.string().min(1).max(10_000),
    remediation: z.string().max(10_000).nullish(),
  })
  .strip();

export type ReportedFinding = z.input<typeof reportedFindingSchema>;
export type ValidReportedFinding = z.output<typeof reportedFindingSchema>;

export function findingKey(f: { check: string; subject: { kind: string; id: string } }): string {
  return JSON.stringify([f.check, f.subject.kind, f.subject.id]);
}

/** Validates the policy output; a finding reported twice counts once (the first wins). */
export function parseReportedFindings(
  findings: readonly ReportedFinding[],
): Map<string, ValidReportedFinding> {
  const parsed = z.array(reportedFindingSchema).safeParse(findings);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ValidationError(
      issue ? `findings.${issue.path.join('.')}` : 'findings',
      issue?.message ?? 'invalid',
    );
  }
  const byKey = new Map<string, ValidReportedFinding>();
  for (const f of parsed.data) if (!byKey.has(findingKey(f))) byKey.set(findingKey(f), f);
  return byKey;
}

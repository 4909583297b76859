import type { FindingTransition } from '@xero-access/model';

/** An Event note for some finding transitions: the first five by check and subject, and a count. */
export function summariseFindings(transitions: readonly FindingTransition[]): string {
  const parts = transitions
    .slice(0, 5)
    .map((t) => `${t.finding.check} ${t.finding.subject.kind} ${t.finding.subject.id}`);
  const more = transitions.length > 5 ? ` and ${transitions.length - 5} more` : '';
  return `${transitions.length} finding(s): ${parts.join('; ')}${more}.`;
}

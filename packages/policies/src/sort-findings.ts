import type { Finding } from './generated/policy-output.js';

/**
 * Orders findings as `sort` does in Rego (main.rego): by check, then subject id, then the whole
 * finding (an object compares key by key in key order: message, remediation, severity, subject).
 * Strings compare as UTF-8 bytes, like OPA; JavaScript's `<` compares UTF-16 code units, which
 * agrees except around surrogate pairs, so those strings fall back to a byte comparison.
 */
export function sortFindings<T extends Finding>(findings: T[]): T[] {
  return findings.sort(compareFindings);
}

export function compareFindings(a: Finding, b: Finding): number {
  return (
    compareStrings(a.check, b.check) ||
    compareStrings(a.subject.id, b.subject.id) ||
    compareStrings(a.message, b.message) ||
    compareStrings(a.remediation, b.remediation) ||
    compareStrings(a.severity, b.severity) ||
    compareStrings(a.subject.kind, b.subject.kind)
  );
}

const SURROGATE = /[\uD800-\uDFFF]/;

export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  if (SURROGATE.test(a) || SURROGATE.test(b))
    return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
  return a < b ? -1 : 1;
}

import { describe, expect, it } from 'vitest';
import type { Finding } from './generated/policy-output.js';
import { compareStrings, sortFindings } from './sort-findings.js';

const finding = (check: string, id: string, message = 'm'): Finding => ({
  check,
  severity: 'high',
  subject: { kind: 'user', id },
  message,
  remediation: 'r',
});

describe('sortFindings', () => {
  it('orders by check, then subject id, then message', () => {
    const sorted = sortFindings([
      finding('user-identified', 'a'),
      finding('critical-system-access-valid', 'b'),
      finding('critical-system-access-valid', 'a', 'second'),
      finding('critical-system-access-valid', 'a', 'first'),
    ]);
    expect(sorted.map((f) => `${f.check} ${f.subject.id} ${f.message}`)).toEqual([
      'critical-system-access-valid a first',
      'critical-system-access-valid a second',
      'critical-system-access-valid b m',
      'user-identified a m',
    ]);
  });

  it('compares strings as UTF-8 bytes, as OPA does', () => {
    // U+FF5E is one UTF-16 unit above a surrogate, but its UTF-8 bytes sort below U+1F600's.
    expect(compareStrings('\uFF5E', '\u{1F600}')).toBe(-1);
    expect('\uFF5E' < '\u{1F600}').toBe(false);
    expect(compareStrings('a', 'b')).toBe(-1);
    expect(compareStrings('b', 'a')).toBe(1);
    expect(compareStrings('same', 'same')).toBe(0);
  });
});

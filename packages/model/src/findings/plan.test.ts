import { describe, expect, it } from 'vitest';
import { planFindingChanges, type ExistingFinding } from './plan.js';
import { findingKey, parseReportedFindings } from './reported-finding.js';

const now = new Date('2026-11-22T00:00:00Z');
const report = (...ids: string[]) =>
  parseReportedFindings(
    ids.map((id) => ({
      check: 'user-identified',
      severity: 'medium',
      subject: { kind: 'user', id },
      message: `user ${id} is not identified`,
    })),
  );
const key = (id: string) => findingKey({ check: 'user-identified', subject: { kind: 'user', id } });
const existing = (
  id: string,
  status: ExistingFinding['status'],
  acceptedUntil: Date | null = null,
): ExistingFinding => ({
  key: key(id),
  status,
  acceptedUntil,
  severity: 'medium',
  message: `user ${id} is not identified`,
});

describe('planFindingChanges', () => {
  it('opens new, refreshes open, reopens resolved and resolves the unreported', () => {
    const changes = planFindingChanges(
      [
        existing('b', 'open'),
        existing('c', 'resolved'),
        existing('d', 'open'),
        existing('e', 'resolved'),
      ],
      report('a', 'b', 'c'),
      now,
    );
    expect(changes.map((c) => [c.kind, c.key])).toEqual([
      ['open', key('a')],
      ['refresh', key('b')],
      ['reopen', key('c')],
      ['resolve', key('d')],
    ]);
  });

  it('keeps an accepted risk until it expires, then reports the expiry', () => {
    const later = new Date(now.getTime() + 1);
    expect(planFindingChanges([existing('a', 'accepted', later)], report('a'), now)[0]?.kind).toBe(
      'refresh',
    );
    expect(planFindingChanges([existing('a', 'accepted', now)], report('a'), now)[0]?.kind).toBe(
      'accepted-expired',
    );
  });

  it('ends an acceptance that no longer covers what is reported: another severity or message', () => {
    const later = new Date('2030-01-01');
    const accepted = existing('a', 'accepted', later);
    const [reported] = report('a').values();
    const plan = (r: typeof reported) =>
      planFindingChanges([accepted], new Map([[key('a'), r!]]), now).map((c) => c.kind);
    expect(plan(reported)).toEqual(['refresh']);
    expect(plan({ ...reported!, severity: 'high' })).toEqual(['accepted-changed']);
    expect(plan({ ...reported!, message: 'user a holds ADVISER' })).toEqual(['accepted-changed']);
    expect(plan({ ...reported!, remediation: 'link them' })).toEqual(['refresh']);
    // An open finding just takes the new text.
    expect(
      planFindingChanges(
        [existing('a', 'open')],
        new Map([[key('a'), { ...reported!, severity: 'high' }]]),
        now,
      )[0]?.kind,
    ).toBe('refresh');
  });

  it('ends an acceptance that has no expiry at the next evaluation', () => {
    expect(planFindingChanges([existing('a', 'accepted', null)], report('a'), now)[0]?.kind).toBe(
      'accepted-expired',
    );
  });

  it('resolves an accepted finding that is no longer reported', () => {
    expect(
      planFindingChanges([existing('a', 'accepted', new Date('2030-01-01'))], report(), now),
    ).toEqual([{ kind: 'resolve', key: key('a') }]);
  });

  it('resolves nothing when told not to, and still opens, reopens and expires acceptances', () => {
    const changes = planFindingChanges(
      [
        existing('b', 'open'),
        existing('c', 'resolved'),
        existing('d', 'open'),
        existing('e', 'accepted', now),
        existing('f', 'accepted', new Date('2030-01-01')),
      ],
      report('a', 'b', 'c', 'e'),
      now,
      false,
    );
    expect(changes.map((c) => [c.kind, c.key])).toEqual([
      ['open', key('a')],
      ['refresh', key('b')],
      ['reopen', key('c')],
      ['accepted-expired', key('e')],
    ]);
  });

  it('counts a finding reported twice once and names a bad field', () => {
    expect(report('a', 'a').size).toBe(1);
    expect(() =>
      parseReportedFindings([
        {
          check: 'x',
          severity: 'critical' as 'high',
          subject: { kind: 'user', id: 'a' },
          message: 'm',
        },
      ]),
    ).toThrow(/^findings\.0\.severity: /);
  });
});

import { describe, expect, it } from 'vitest';
import { openFindingsStatus, showsOpenFindings } from './open-findings-status.js';

describe('openFindingsStatus', () => {
  it('lists every built-in check, 0 when none is open, and the total', () => {
    expect(openFindingsStatus({ 'user-identified': 2, 'my-custom-check': 1 })).toEqual({
      findings: {
        'user-identified': 2,
        'offboarded-access-removed': 0,
        'critical-system-access-configured': 0,
        'critical-system-access-valid': 0,
        'my-custom-check': 1,
      },
      openFindings: 3,
    });
  });

  it('sends 0 for a check the status lists that has no open finding any more', () => {
    const next = openFindingsStatus({}, { 'my-custom-check': 4 });
    expect(next.findings['my-custom-check']).toBe(0);
    expect(next.openFindings).toBe(0);
  });
});

describe('showsOpenFindings', () => {
  const next = openFindingsStatus({ 'user-identified': 1 });

  it('is true when the status already shows the counts', () => {
    expect(showsOpenFindings({ ...next }, next)).toBe(true);
    expect(showsOpenFindings({ openFindings: 1, findings: { 'user-identified': 1 } }, next)).toBe(
      true,
    );
  });

  it('is false when a count or the total differs, or the status has none yet', () => {
    expect(showsOpenFindings({ openFindings: 0, findings: {} }, next)).toBe(false);
    expect(
      showsOpenFindings({ openFindings: 1, findings: { 'user-identified': 0, other: 1 } }, next),
    ).toBe(false);
    expect(showsOpenFindings({}, next)).toBe(false);
  });
});

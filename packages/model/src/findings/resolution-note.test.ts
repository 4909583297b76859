import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors.js';
import { assertEvaluatedBy, resolutionNote, type EvaluatedBy } from './resolution-note.js';

const SHA = 'ab12cd34ef56'.padEnd(64, '0');
const evaluatedBy: EvaluatedBy = {
  policy: { revision: '1.4.0', sha256: SHA },
  generation: 3,
  offboardingGraceHours: 24,
};
const user = (roleBefore: string | null, roleNow: string | null) => ({
  kind: 'user',
  roleBefore,
  roleNow,
});

describe('resolutionNote', () => {
  it('says plainly that access was remediated when the user is gone, removed or has another role', () => {
    expect(resolutionNote(user('STANDARD', null), 7, evaluatedBy)).toBe(
      'remediated: the user is no longer listed in snapshot 7',
    );
    expect(resolutionNote(user('STANDARD', 'REMOVED'), 7, evaluatedBy)).toBe(
      "remediated: the user's access was removed in snapshot 7",
    );
    expect(resolutionNote(user('STANDARD', 'READONLY'), 7, evaluatedBy)).toBe(
      "remediated: the user's role changed from STANDARD to READONLY in snapshot 7",
    );
  });

  it('never calls it remediation when the subject is listed in neither snapshot', () => {
    // A custom check that names users by staff id or email: no Xero user had that id, so its
    // disappearance from the findings says nothing about access being removed.
    const note = resolutionNote(user(null, null), 7, evaluatedBy);
    expect(note).toBe(
      'no longer reported in snapshot 7 under policy bundle 1.4.0 (sha256 ab12cd34ef56), ' +
        'connection generation 3, offboarding grace 24h: the subject is not a Xero user on record ' +
        '(listed neither in snapshot 7 nor in the snapshot that last reported it), not remediation',
    );
    expect(note).not.toMatch(/^remediated/);
  });

  it('names the bundle and settings when the user still holds the same role', () => {
    expect(resolutionNote(user('STANDARD', 'STANDARD'), 7, evaluatedBy)).toBe(
      'access unchanged: the user still holds STANDARD in snapshot 7; the check no longer ' +
        'reports it under policy bundle 1.4.0 (sha256 ab12cd34ef56), connection generation 3, ' +
        'offboarding grace 24h: a change of policy, settings, staff or account links, not remediation',
    );
    // The snapshot that last reported it was pruned: the role now is all there is.
    expect(resolutionNote(user(null, 'STANDARD'), 7, undefined)).toBe(
      'access unchanged: the user holds STANDARD in snapshot 7; the check no longer reports it: ' +
        'a change of policy, settings, staff or account links, not remediation',
    );
  });

  it('shortens a long revision (a custom bundle can name itself anything)', () => {
    const long = { ...evaluatedBy, policy: { revision: 'r'.repeat(200), sha256: SHA } };
    expect(resolutionNote(user('STANDARD', 'STANDARD'), 7, long)).toContain(
      `policy bundle ${'r'.repeat(64)}… (sha256 ab12cd34ef56)`,
    );
  });

  it('ties a connection finding to the bundle and settings', () => {
    const bare = { ...evaluatedBy, policy: { revision: null, sha256: SHA }, generation: null };
    expect(resolutionNote({ kind: 'connection', roleBefore: null, roleNow: null }, 2, bare)).toBe(
      'no longer reported in snapshot 2 under policy bundle (no revision) (sha256 ab12cd34ef56), ' +
        'offboarding grace 24h: a change of policy or settings',
    );
  });
});

describe('assertEvaluatedBy', () => {
  it.each([
    [{ ...evaluatedBy, policy: { revision: '1', sha256: 'abc' } }, 'evaluatedBy.policy.sha256'],
    [{ ...evaluatedBy, generation: 1.5 }, 'evaluatedBy.generation'],
    [{ ...evaluatedBy, offboardingGraceHours: -1 }, 'evaluatedBy.offboardingGraceHours'],
  ])('refuses what the note could not name faithfully (%#), naming the field', (value, field) => {
    expect(() => assertEvaluatedBy(value)).toThrow(ValidationError);
    expect(() => assertEvaluatedBy(value)).toThrow(expect.objectContaining({ field }));
  });

  it('takes what the reconciler gives', () => {
    expect(() => assertEvaluatedBy(evaluatedBy)).not.toThrow();
  });
});

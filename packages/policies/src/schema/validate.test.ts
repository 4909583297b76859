import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { assertPolicyInput, assertPolicyOutput, PolicyDocumentError } from './validate.js';

const example = JSON.parse(
  readFileSync(new URL('../../examples/input.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;

/** The example as loosely typed JSON, so tests can break it in ways the real type forbids. */
interface Doc {
  now?: unknown;
  users: Record<string, unknown>[];
  staff: Record<string, unknown>[];
  accountLinks: unknown[];
  settings: Record<string, unknown>;
}

function problemsFor(mutate: (doc: Doc) => void): string[] {
  const doc = structuredClone(example) as unknown as Doc;
  mutate(doc);
  try {
    assertPolicyInput(doc);
  } catch (error) {
    expect(error).toBeInstanceOf(PolicyDocumentError);
    return (error as PolicyDocumentError).problems.map((p) => `${p.field}: ${p.problem}`);
  }
  throw new Error('expected the document to be invalid');
}

describe('policy input validation', () => {
  it('accepts the example document (design.md, version 1)', () => {
    expect(assertPolicyInput(structuredClone(example)).users).toHaveLength(5);
  });

  it.each([
    ['a wrong type', (d: Doc) => (d.users[1]!.email = 5), 'input.users[1].email: must be string'],
    [
      'a missing field',
      (d: Doc) => delete d.staff[0]!.status,
      'input.staff[0].status: is required',
    ],
    [
      'an unknown field',
      (d: Doc) => (d.users[0]!.twoFactor = true),
      'input.users[0].twoFactor: is not allowed (unknown property)',
    ],
    [
      'a bad enum',
      (d: Doc) => (d.staff[0]!.status = 'gone'),
      'input.staff[0].status: must be one of active, offboarded',
    ],
    ['a missing top-level field', (d: Doc) => delete d.now, 'input.now: is required'],
    [
      'a date that is not RFC 3339',
      (d: Doc) => (d.now = '22/11/2026'),
      'input.now: must match format "date-time"',
    ],
    [
      'a negative grace period',
      (d: Doc) => (d.settings.offboardingGraceHours = -1),
      'input.settings.offboardingGraceHours: must be >= 0',
    ],
    [
      'a link of neither shape',
      (d: Doc) => d.accountLinks.push({ userId: 'x' }),
      'input.accountLinks[1]: must be one of: {userId, staffId} or {userId, nonHuman, justification}',
    ],
    [
      'a nullable date of the wrong shape',
      (d: Doc) => (d.staff[0]!.offboardedAt = 'yesterday'),
      'input.staff[0].offboardedAt: must be one of: RFC 3339 date-time, e.g. 2026-11-22T00:00:00Z (upper-case T and Z) or null',
    ],
  ])('names the field for %s', (_name, mutate, expected) => {
    expect(problemsFor(mutate)).toContain(expected);
  });

  it('puts the fields in the error message', () => {
    expect(() => assertPolicyInput({ ...example, users: 'nope' })).toThrow(
      'invalid policy input: input.users: must be array',
    );
  });

  it('lists at most five problems in the message but keeps them all', () => {
    const doc = structuredClone(example) as unknown as Doc;
    for (const user of doc.users) user.email = 1;
    for (const member of doc.staff) member.name = 1;
    try {
      assertPolicyInput(doc);
      expect.unreachable();
    } catch (error) {
      expect((error as PolicyDocumentError).problems).toHaveLength(8);
      expect((error as Error).message).toContain('… and 3 more');
    }
  });
});

describe('policy output validation', () => {
  const finding = {
    check: 'user-identified',
    severity: 'medium',
    subject: { kind: 'user', id: 'u1' },
    message: 'm',
    remediation: 'r',
  };

  it('accepts a well-formed output', () => {
    expect(assertPolicyOutput({ findings: [finding] }).findings).toHaveLength(1);
  });

  it('names the field of a malformed finding', () => {
    expect(() => assertPolicyOutput({ findings: [{ ...finding, severity: 'urgent' }] })).toThrow(
      'invalid policy output: output.findings[0].severity: must be one of high, medium, low',
    );
  });

  // The database's limits (packages/model, reported-finding.ts): longer would not be stored.
  it.each([
    ['check', 128, (value: string) => ({ ...finding, check: value })],
    ['subject.id', 512, (value: string) => ({ ...finding, subject: { kind: 'user', id: value } })],
    ['message', 10_000, (value: string) => ({ ...finding, message: value })],
    ['remediation', 10_000, (value: string) => ({ ...finding, remediation: value })],
  ])('takes a %s of up to %i characters, and refuses one more', (field, limit, withValue) => {
    expect(assertPolicyOutput({ findings: [withValue('x'.repeat(limit))] }).findings).toHaveLength(
      1,
    );
    expect(() => assertPolicyOutput({ findings: [withValue('x'.repeat(limit + 1))] })).toThrow(
      `invalid policy output: output.findings[0].${field}: must NOT have more than ${limit} characters`,
    );
  });

  it('refuses a subject.kind longer than the database keeps', () => {
    expect(() =>
      assertPolicyOutput({
        findings: [{ ...finding, subject: { kind: 'u'.repeat(33), id: 'u1' } }],
      }),
    ).toThrow('output.findings[0].subject.kind: must NOT have more than 32 characters');
  });

  it('counts lengths in UTF-16 code units, as the model does (an emoji is two)', () => {
    const emoji = '\u{1F6A8}';
    expect(
      assertPolicyOutput({ findings: [{ ...finding, message: emoji.repeat(5_000) }] }).findings,
    ).toHaveLength(1);
    expect(() =>
      assertPolicyOutput({ findings: [{ ...finding, message: emoji.repeat(5_001) }] }),
    ).toThrow('output.findings[0].message: must NOT have more than 10000 characters');
  });
});

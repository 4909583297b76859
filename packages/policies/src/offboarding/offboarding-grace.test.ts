import { beforeAll, describe, expect, it } from 'vitest';
import { PolicyEvaluator } from '../evaluator.js';
import type { AccountLink, PolicyInput, StaffMember, XeroUser } from '../generated/policy-input.js';
import { buildFresh } from '../test/built-policy.js';
import { randomInput } from '../test/generate-input.js';
import { nextOffboardingGraceEnd, offboardedAccess } from './offboarding-grace.js';

const NOW = '2026-11-22T00:00:00.000Z';
const CHECK = 'offboarded-access-removed';
const HOUR_MS = 3_600_000;

const user = (userId: string, email: string, organisationRole = 'STANDARD'): XeroUser => ({
  userId,
  email,
  firstName: null,
  lastName: null,
  organisationRole,
  isSubscriber: false,
  updatedDateUtc: null,
});
const active = (id: string, email: string): StaffMember => ({
  id,
  email,
  name: id,
  orgRole: 'accountant',
  status: 'active',
  offboardedAt: null,
});
const offboarded = (id: string, email: string, at: string | null): StaffMember => ({
  ...active(id, email),
  status: 'offboarded',
  offboardedAt: at,
});
const link = (userId: string, staffId: string): AccountLink => ({ userId, staffId });
const nonHuman = (userId: string): AccountLink => ({
  userId,
  nonHuman: true,
  justification: 'bank-feed sync',
});

function doc(
  users: XeroUser[],
  staff: StaffMember[],
  accountLinks: AccountLink[] = [],
  settings: PolicyInput['settings'] = { offboardingGraceHours: 24 },
): PolicyInput {
  return {
    now: NOW,
    connection: { namespace: 'finance', name: 'acme', criticalSystem: false },
    tenant: { tenantId: 'tenant-1', tenantName: 'Acme Ltd' },
    users,
    staff,
    accountLinks,
    ...(settings ? { settings } : {}),
  };
}

const cases: { name: string; input: PolicyInput; next: string | null }[] = [
  {
    name: 'an email match, whatever its case',
    input: doc(
      [user('u1', 'Alice@Example.com')],
      [offboarded('s1', 'alice@EXAMPLE.com', '2026-11-21T06:00:00Z')],
    ),
    next: '2026-11-22T06:00:00.000Z',
  },
  {
    name: 'an account link wins over the email match',
    input: doc(
      [user('u1', 'bob@example.com')],
      [
        offboarded('s1', 'carol@example.com', '2026-11-21T03:00:00Z'),
        offboarded('s2', 'bob@example.com', '2026-11-21T01:00:00Z'),
      ],
      [link('u1', 's1')],
    ),
    next: '2026-11-22T03:00:00.000Z',
  },
  {
    name: 'a broken link ties the user to nobody, not to the email match',
    input: doc(
      [user('u1', 'alice@example.com')],
      [offboarded('s1', 'alice@example.com', '2026-11-21T06:00:00Z')],
      [link('u1', 's-gone')],
    ),
    next: null,
  },
  {
    name: 'a non-human link ties the user to nobody',
    input: doc(
      [user('u1', 'robot@example.com')],
      [offboarded('s1', 'robot@example.com', '2026-11-21T06:00:00Z')],
      [nonHuman('u1')],
    ),
    next: null,
  },
  {
    name: 'two links tie the user to nobody',
    input: doc(
      [user('u1', 'alice@example.com')],
      [
        offboarded('s1', 'alice@example.com', '2026-11-21T06:00:00Z'),
        offboarded('s2', 'bob@example.com', '2026-11-21T06:00:00Z'),
      ],
      [link('u1', 's1'), link('u1', 's2')],
    ),
    next: null,
  },
  {
    name: 'the same link twice, or the same member twice, counts once (the policy indexes sets)',
    input: doc(
      [user('u1', 'x@example.com'), user('u2', 'bob@example.com')],
      [
        offboarded('s1', 'alice@example.com', '2026-11-21T06:00:00Z'),
        offboarded('s2', 'bob@example.com', '2026-11-21T07:00:00Z'),
        offboarded('s2', 'bob@example.com', '2026-11-21T07:00:00Z'),
      ],
      [link('u1', 's1'), { staffId: 's1', userId: 'u1' }],
    ),
    next: '2026-11-22T06:00:00.000Z',
  },
  {
    name: 'a staff id two members hold ties the user to nobody',
    input: doc(
      [user('u1', 'x@example.com')],
      [
        offboarded('s1', 'alice@example.com', '2026-11-21T06:00:00Z'),
        offboarded('s1', 'bob@example.com', '2026-11-21T06:00:00Z'),
      ],
      [link('u1', 's1')],
    ),
    next: null,
  },
  {
    name: 'an email two members share ties the user to nobody',
    input: doc(
      [user('u1', 'shared@example.com')],
      [
        offboarded('s1', 'shared@example.com', '2026-11-21T06:00:00Z'),
        active('s2', 'SHARED@example.com'),
      ],
    ),
    next: null,
  },
  {
    name: 'blank emails match nobody',
    input: doc([user('u1', '')], [offboarded('s1', '', '2026-11-21T06:00:00Z')]),
    next: null,
  },
  {
    name: 'REMOVED users and active members are left out',
    input: doc(
      [user('u1', 'alice@example.com', 'REMOVED'), user('u2', 'bob@example.com')],
      [
        offboarded('s1', 'alice@example.com', '2026-11-21T06:00:00Z'),
        active('s2', 'bob@example.com'),
      ],
    ),
    next: null,
  },
  {
    name: 'the earliest of the running grace periods; ended ones and undated ones are reported already',
    input: doc(
      [
        user('u1', 'a@example.com'),
        user('u2', 'b@example.com'),
        user('u3', 'c@example.com'),
        user('u4', 'd@example.com'),
      ],
      [
        offboarded('s1', 'a@example.com', '2026-11-21T09:00:00+02:00'),
        offboarded('s2', 'b@example.com', '2026-11-21T05:00:00Z'),
        offboarded('s3', 'c@example.com', '2026-11-19T00:00:00Z'),
        offboarded('s4', 'd@example.com', null),
      ],
    ),
    next: '2026-11-22T05:00:00.000Z',
  },
  {
    name: 'a grace period ending exactly now is still running (the check wants strictly more)',
    input: doc(
      [user('u1', 'a@example.com')],
      [offboarded('s1', 'a@example.com', '2026-11-21T00:00:00Z')],
    ),
    next: NOW,
  },
  {
    name: 'the grace hours of the input',
    input: doc(
      [user('u1', 'a@example.com')],
      [offboarded('s1', 'a@example.com', '2026-11-21T21:00:00.250Z')],
      [],
      { offboardingGraceHours: 6 },
    ),
    next: '2026-11-22T03:00:00.250Z',
  },
  {
    name: '24 hours without settings, as the check',
    input: doc(
      [user('u1', 'a@example.com')],
      [offboarded('s1', 'a@example.com', '2026-11-21T21:00:00Z')],
      [],
      null as unknown as undefined,
    ),
    next: '2026-11-22T21:00:00.000Z',
  },
];

describe('when the next offboarding grace period ends', () => {
  let policy: PolicyEvaluator;

  beforeAll(async () => {
    policy = await PolicyEvaluator.fromFile((await buildFresh()).wasm);
  }, 60_000);

  const reportedAt = (input: PolicyInput, now: number): string[] =>
    policy
      .evaluate({ ...input, now: new Date(now).toISOString() })
      .findings.filter((f) => f.check === CHECK)
      .map((f) => f.subject.id)
      .sort();

  /**
   * What the policy reports now is what offboardedAccess predicts; at the next grace end it still
   * reports the same, and just after it, also the users whose grace period ended then.
   */
  function expectPolicyAgrees(input: PolicyInput): void {
    const now = Date.parse(input.now);
    const access = offboardedAccess(input);
    const predicted = access
      .filter((a) => a.graceEndsAt === null || a.graceEndsAt.getTime() < now)
      .map((a) => a.userId)
      .sort();
    expect(reportedAt(input, now)).toEqual(predicted);
    // Once every grace period has ended, the policy reports exactly the users predicted.
    expect(reportedAt(input, now + 1_000 * 24 * HOUR_MS)).toEqual(
      access.map((a) => a.userId).sort(),
    );
    const next = nextOffboardingGraceEnd(input);
    if (!next) {
      expect(access.every((a) => a.graceEndsAt === null || a.graceEndsAt.getTime() < now)).toBe(
        true,
      );
      return;
    }
    expect(reportedAt(input, next.getTime())).toEqual(predicted);
    const ending = access.filter((a) => a.graceEndsAt?.getTime() === next.getTime());
    expect(ending.length).toBeGreaterThan(0);
    expect(reportedAt(input, next.getTime() + 1)).toEqual(
      [...predicted, ...ending.map((a) => a.userId)].sort(),
    );
  }

  it.each(cases)('$name', ({ input, next }) => {
    expect(nextOffboardingGraceEnd(input)).toEqual(next === null ? null : new Date(next));
    expectPolicyAgrees(input);
  });

  it('agrees with the policy on adversarial documents (shared, blank and case-mangled emails, broken and doubled links)', () => {
    let running = 0;
    for (let seed = 1000; seed < 1080; seed++) {
      const input = randomInput(seed, 30);
      // The reconciler's `now` has millisecond precision; these timestamps may have nanoseconds.
      input.now = new Date(Date.parse(input.now)).toISOString();
      expectPolicyAgrees(input);
      if (nextOffboardingGraceEnd(input)) running++;
    }
    // The corpus puts offboarding dates on both sides of the grace period's end.
    expect(running).toBeGreaterThan(10);
  });
});

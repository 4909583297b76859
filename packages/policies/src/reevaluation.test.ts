import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENTRYPOINT, PolicyEvaluator } from './evaluator.js';
import type { PolicyInput } from './generated/policy-input.js';
import { PolicyDocumentError } from './schema/validate.js';
import { buildFresh, buildResultOnly } from './test/built-policy.js';
import { randomInput } from './test/generate-input.js';
import { readPolicyBundle } from './wasm/read-bundle.js';

const CHECK = 'offboarded-access-removed';
const DAY_MS = 24 * 3_600_000;

const example = JSON.parse(
  await readFile(new URL('../examples/input.json', import.meta.url), 'utf8'),
) as PolicyInput;

/** The example organisation (now 2026-11-22T00:00:00Z, 24 h grace) with Carol offboarded at `at`. */
function carolOffboardedAt(at: string): PolicyInput {
  return {
    ...example,
    staff: example.staff.map((m) => (m.id === 's-carol' ? { ...m, offboardedAt: at } : m)),
  };
}

/** A folder holding one custom check `id` whose body is `rego`. */
async function customCheck(id: string, rego: string[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `xao-${id}-`));
  await writeFile(
    join(dir, 'check.rego'),
    [`package xeroaccess.checks["${id}"]`, '', 'findings := set()', '', ...rego, ''].join('\n'),
  );
  return dir;
}

describe('PolicyEvaluator.evaluateWithReevaluation', () => {
  let evaluator: PolicyEvaluator;

  beforeAll(async () => {
    evaluator = await PolicyEvaluator.fromFile((await buildFresh()).wasm);
  }, 60_000);

  it('gives the output evaluate gives, and when a grace period still running ends', () => {
    const input = carolOffboardedAt('2026-11-21T06:00:00Z');
    expect(evaluator.evaluateWithReevaluation(input)).toEqual({
      output: evaluator.evaluate(input),
      reevaluateAt: new Date('2026-11-22T06:00:00Z'),
    });
  });

  it('gives null when nothing changes with time alone', () => {
    expect(evaluator.evaluateWithReevaluation(example).reevaluateAt).toBeNull();
  });

  it('rounds a time with nanoseconds up to the millisecond, never before the grace end', () => {
    const input = carolOffboardedAt('2026-11-21T06:00:00.123000001Z');
    expect(evaluator.evaluateWithReevaluation(input).reevaluateAt).toEqual(
      new Date('2026-11-22T06:00:00.124Z'),
    );
  });

  it('refuses invalid input before evaluating, naming the field', () => {
    expect(() => evaluator.evaluateWithReevaluation({ ...example, now: 'today' })).toThrow(
      'input.now: must match pattern',
    );
  });

  /**
   * On adversarial documents (shared, blank and case-mangled emails, broken and doubled links):
   * until just before reevaluateAt the findings stay as at now; just after it, the check reports
   * more users. Without a reevaluateAt, they stay the same for good.
   */
  it('is when the findings change, on adversarial documents', () => {
    const reported = (input: PolicyInput, atMs: number): string[] =>
      evaluator
        .evaluate({ ...input, now: new Date(atMs).toISOString() })
        .findings.filter((f) => f.check === CHECK)
        .map((f) => f.subject.id)
        .sort();
    let running = 0;
    for (let seed = 1000; seed < 1080; seed++) {
      const input = randomInput(seed, 30);
      // The reconciler's `now` has millisecond precision; these timestamps may have nanoseconds.
      const now = Date.parse(input.now);
      input.now = new Date(now).toISOString();
      const before = reported(input, now);
      const next = evaluator.evaluateWithReevaluation(input).reevaluateAt;
      if (!next) {
        expect(reported(input, now + 1_000 * DAY_MS), `seed ${seed}`).toEqual(before);
        continue;
      }
      running++;
      expect(next.getTime()).toBeGreaterThanOrEqual(now);
      expect(reported(input, Math.max(now, next.getTime() - 1)), `seed ${seed}`).toEqual(before);
      const after = reported(input, next.getTime() + 1);
      expect(after.length, `seed ${seed}`).toBeGreaterThan(before.length);
      expect(after, `seed ${seed}`).toEqual(expect.arrayContaining(before));
    }
    // The corpus puts offboarding dates on both sides of the grace period's end.
    expect(running).toBeGreaterThan(10);
  });
});

describe('custom checks with reevaluate_at', () => {
  const input = carolOffboardedAt('2026-11-21T06:00:00Z');

  it('take part: the earliest time not before now, across every check, wins', async () => {
    const dir = await customCheck('review-due', [
      '# The next access review is due then; one already past changes nothing.',
      'reevaluate_at := {"2026-11-22T01:30:00+01:00", "2026-11-21T00:00:00Z"}',
    ]);
    const custom = await PolicyEvaluator.fromFile((await buildFresh([dir])).bundle);
    expect(custom.evaluateWithReevaluation(input).reevaluateAt).toEqual(
      new Date('2026-11-22T00:30:00Z'),
    );
  }, 60_000);

  it('are refused, naming the check, when reevaluate_at holds something else', async () => {
    const dir = await customCheck('vague', ['reevaluate_at contains "next tuesday"']);
    const custom = await PolicyEvaluator.fromFile((await buildFresh([dir])).bundle);
    const refusal =
      'invalid policy output: output.reevaluate_at: must be a set of RFC 3339 timestamps, e.g. "2026-11-22T00:00:00Z"; not "next tuesday" (from check vague)';
    expect(() => custom.evaluateWithReevaluation(input)).toThrow(PolicyDocumentError);
    expect(() => custom.evaluateWithReevaluation(input)).toThrow(refusal);
    // The findings alone come from the same evaluation, so they are refused too.
    expect(() => custom.evaluate(input)).toThrow(refusal);
  }, 60_000);

  // The schema's date-time (ajv) accepts a leap second; Date.parse reads none (NaN), and the
  // reconciler's status write threw a RangeError on the invalid Date, after every sync.
  it('read a leap second as the second after it, as the Rego does', async () => {
    const dir = await customCheck('year-end', [
      'reevaluate_at := {"2026-12-31T23:59:60Z", "2027-01-01T00:00:00.5Z"}',
    ]);
    const custom = await PolicyEvaluator.fromFile((await buildFresh([dir])).bundle);
    expect(custom.evaluateWithReevaluation(example).reevaluateAt).toEqual(
      new Date('2027-01-01T00:00:00Z'),
    );
  }, 60_000);

  it('are refused, naming the field, for a timestamp of the right shape but no real time', async () => {
    const dir = await customCheck('minute-99', ['reevaluate_at contains "2026-11-22T00:99:00Z"']);
    const custom = await PolicyEvaluator.fromFile((await buildFresh([dir])).bundle);
    expect(() => custom.evaluateWithReevaluation(input)).toThrow(
      'invalid policy output: output.reevaluate_at: must be an RFC 3339 timestamp or null, not "2026-11-22T00:99:00Z"',
    );
  }, 60_000);
});

describe('a bundle built by hand with only the xeroaccess/result entrypoint', () => {
  it('evaluates as before, with no reevaluation time', async () => {
    const bundle = await readPolicyBundle(await buildResultOnly());
    expect(Object.keys((await loadPolicy(bundle.wasm)).entrypoints)).toEqual([ENTRYPOINT]);
    const old = await PolicyEvaluator.fromBundle(bundle);
    const input = carolOffboardedAt('2026-11-21T06:00:00Z');
    expect(old.evaluateWithReevaluation(input)).toEqual({
      output: (await builtIn()).evaluate(input),
      reevaluateAt: null,
    });
  }, 60_000);
});

let standard: Promise<PolicyEvaluator> | undefined;

/** The four built-in checks, built once for the tests that compare with them. */
function builtIn(): Promise<PolicyEvaluator> {
  standard ??= buildFresh().then((built) => PolicyEvaluator.fromFile(built.wasm));
  return standard;
}

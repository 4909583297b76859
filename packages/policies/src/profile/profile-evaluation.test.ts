import { beforeAll, describe, expect, it } from 'vitest';
import { PolicyEvaluator } from '../evaluator.js';
import { buildFresh } from '../test/built-policy.js';
import { realisticInput } from '../test/generate-input.js';
import { profileEvaluation } from './profile-evaluation.js';
import { formatProfile } from './profile-table.js';

describe('profileEvaluation', { timeout: 60_000 }, () => {
  let evaluator: PolicyEvaluator;

  beforeAll(async () => {
    evaluator = await PolicyEvaluator.fromFile((await buildFresh()).wasm);
  }, 60_000);

  it('attributes the time of real evaluations to the rules and phases that took it', async () => {
    const profile = await profileEvaluation(evaluator, realisticInput(3_000), { evaluations: 10 });
    expect(profile.evaluations).toBe(10);
    expect(profile.medianMs).toBeGreaterThan(0);
    const names = profile.rows.map((row) => row.name);
    // At 3,000 users these always take samples: building the email index, resolving each
    // user, parsing the input inside WASM, and the JavaScript around the evaluation.
    expect(names).toContain('data.xeroaccess.lib.identity.staff_by_email');
    expect(names).toContain('data.xeroaccess.lib.identity.resolve');
    expect(names).toContain('input: JSON parse in WASM');
    expect(names).toContain('JavaScript: stringify, copy, validate, sort');
    const percent = profile.rows.reduce((sum, row) => sum + row.percent, 0);
    expect(percent).toBeGreaterThan(99);
    expect(percent).toBeLessThan(101);
    const rows = profile.rows.map((row) => row.percent);
    expect(rows).toEqual([...rows].sort((a, b) => b - a));
  });

  it('formats the largest parts and folds the rest into one row', async () => {
    const profile = await profileEvaluation(evaluator, realisticInput(1_000), { evaluations: 5 });
    const table = formatProfile(profile, 3);
    const lines = table.trim().split('\n');
    expect(lines[0]).toMatch(/^5 evaluations, median/);
    // header, alignment row, three parts, then "N smaller parts" when there are more
    const tableLines = lines.filter((line) => line.startsWith('|'));
    expect(tableLines).toHaveLength(profile.rows.length > 3 ? 6 : 2 + profile.rows.length);
    if (profile.rows.length > 3)
      expect(tableLines.at(-1)).toContain(`${profile.rows.length - 3} smaller parts`);
  });
});

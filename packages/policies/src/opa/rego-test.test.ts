import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runRegoTests } from './rego-test.js';

describe('opa test', () => {
  it('passes with at least 90 % coverage of the policy files', async () => {
    const report = await runRegoTests();
    expect(report.output).toMatch(/PASS: \d+\/\d+/);
    expect(report.passed).toBe(true);
    expect(report.coverage).toBeGreaterThanOrEqual(90);
    expect(
      Object.keys(report.files).some((file) => file.endsWith('user-identified/check.rego')),
    ).toBe(true);
  });

  it('runs the example check tests when the example is included', async () => {
    const report = await runRegoTests([
      fileURLToPath(new URL('../../examples/xeroaccess/checks/adviser-limit/', import.meta.url)),
    ]);
    expect(report.passed).toBe(true);
    expect(report.output).toContain('test_included_in_the_output_document');
  });

  it('reports a failing table test with the failed cases (var values), not a coverage error', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rego-failing-'));
    try {
      await writeFile(
        join(dir, 'failing_test.rego'),
        [
          'package xeroaccess.checks["always-wrong_test"]',
          '',
          'cases := [{"name": "one is two", "got": 1, "want": 2}]',
          '',
          'test_cases if {',
          '\tfailed := {c.name: c.got | some c in cases; c.got != c.want}',
          '\tfailed == {}',
          '}',
          '',
        ].join('\n'),
      );
      const report = await runRegoTests([dir]);
      expect(report.passed).toBe(false);
      expect(report.output).toContain('test_cases: FAIL');
      expect(report.output).toContain('"one is two": 1');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

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
      fileURLToPath(new URL('../../examples/adviser-limit/', import.meta.url)),
    ]);
    expect(report.passed).toBe(true);
    expect(report.output).toContain('test_included_in_the_output_document');
  });
});

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  ALWAYS_FIRING_CHECK,
  NESTED_CHECK,
  UNTESTED_CHECK,
  regoFolder,
} from '../test/check-folders.js';
import { runRegoTests } from './rego-test.js';

describe('opa test', { timeout: 30_000 }, () => {
  it('passes with at least 90 % coverage of each policy file', async () => {
    const report = await runRegoTests();
    expect(report.output).toMatch(/PASS: \d+\/\d+/);
    expect(report.passed).toBe(true);
    expect(report.coverage).toBeGreaterThanOrEqual(90);
    expect(report.files.map((file) => file.file.replace(/^.*\/policies\//, ''))).toEqual([
      'xeroaccess/checks/critical-system-access-configured/check.rego',
      'xeroaccess/checks/critical-system-access-valid/check.rego',
      'xeroaccess/checks/offboarded-access-removed/check.rego',
      'xeroaccess/checks/user-identified/check.rego',
      'xeroaccess/lib/identity/identity.rego',
      'xeroaccess/lib/timestamp/timestamp.rego',
      'xeroaccess/main.rego',
    ]);
    expect(report.files.filter((file) => file.percent < 90)).toEqual([]);
  });

  it('reports each file with its lines, so an untested check shows under a high total', async () => {
    const report = await runRegoTests([await regoFolder(UNTESTED_CHECK)]);
    expect(report.passed).toBe(true);
    expect(report.coverage).toBeGreaterThanOrEqual(90);
    const untested = report.files.find((file) =>
      file.file.endsWith('crowded-organisation/check.rego'),
    );
    expect(untested).toMatchObject({ coveredLines: 1, lines: 3, percent: 33.3 });
  });

  it('the built-in tests still pass with a custom check that reports on their inputs', async () => {
    const report = await runRegoTests([await regoFolder(ALWAYS_FIRING_CHECK)]);
    expect(report.output).toContain('test_entrypoints_report_the_built_in_findings_sorted: PASS');
    expect(report.passed).toBe(true);
  });

  it('refuses a check nested more than one level under xeroaccess.checks', async () => {
    await expect(runRegoTests([await regoFolder(NESTED_CHECK)])).rejects.toThrow(
      'package xeroaccess.checks.acme.adviser_limit\n',
    );
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

import { access, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '@xero-access/cli-exit/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildFresh } from './test/built-policy.js';
import {
  ALWAYS_FIRING_CHECK,
  DATA_FILE,
  NESTED_CHECK,
  UNTESTED_CHECK,
  regoFolder,
} from './test/check-folders.js';

const CLI = fileURLToPath(new URL('./cli.ts', import.meta.url));
const EXAMPLE = fileURLToPath(new URL('../examples/input.json', import.meta.url));

const cli = (args: string[]) => runCli(CLI, args);

// Each case starts the CLI from source through tsx (seconds on a busy machine).
describe('xero-policies', { timeout: 60_000 }, () => {
  let bundle: string;
  let dir: string;

  beforeAll(async () => {
    bundle = (await buildFresh()).wasm;
    dir = await mkdtemp(join(tmpdir(), 'xao-cli-'));
  }, 60_000);

  it('eval prints the output document and exits 0', async () => {
    const run = await cli(['eval', EXAMPLE, '--bundle', bundle]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const output = JSON.parse(run.stdout) as { findings: { check: string }[] };
    expect(output.findings.map((f) => f.check)).toEqual([
      'critical-system-access-valid',
      'offboarded-access-removed',
      'user-identified',
    ]);
  });

  it('eval exits 2 naming the field when the input is invalid', async () => {
    const bad = join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ now: '2026-11-22T00:00:00Z', users: [] }));
    const run = await cli(['eval', bad, '--bundle', bundle]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('invalid policy input: input.connection: is required');
  });

  it('eval exits 2 when the input is not JSON', async () => {
    const bad = join(dir, 'not.json');
    await writeFile(bad, '{ nope');
    const run = await cli(['eval', bad, '--bundle', bundle]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('cannot read a JSON document');
  });

  it("eval exits 1 naming the check when a check's reevaluate_at is not a timestamp", async () => {
    const vague = await regoFolder({
      'xeroaccess/checks/vague/check.rego':
        'package xeroaccess.checks.vague\n\nfindings := set()\n\nreevaluate_at contains "soon"\n',
    });
    const run = await cli(['eval', EXAMPLE, '--bundle', (await buildFresh([vague])).bundle]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(
      'invalid policy output: output.reevaluate_at: must be a set of RFC 3339 timestamps, e.g. "2026-11-22T00:00:00Z"; not "soon" (from check vague)',
    );
  });

  it('eval exits 1 when the bundle is missing', async () => {
    const run = await cli(['eval', EXAMPLE, '--bundle', join(dir, 'missing.wasm')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('missing.wasm');
  });

  it('profile prints a table of where the evaluation time goes', async () => {
    const run = await cli(['profile', EXAMPLE, '--bundle', bundle, '--evaluations', '30']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^30 evaluations, median \d+(\.\d)? ms each/);
    expect(run.stdout).toMatch(/\| where the time goes +\| kind +\| ms per evaluation \| +% \|/);
    expect(run.stdout).toContain('JavaScript: stringify, copy, validate, sort');
  });

  it('profile exits 2 naming the field when the input is invalid', async () => {
    const bad = join(dir, 'bad-profile.json');
    await writeFile(bad, JSON.stringify({ now: '2026-11-22T00:00:00Z', users: [] }));
    const run = await cli(['profile', bad, '--bundle', bundle]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('input.connection: is required');
  });

  it('profile rejects a count of evaluations that is not a whole number above 0', async () => {
    const run = await cli(['profile', EXAMPLE, '--bundle', bundle, '--evaluations', '0']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("option '-n, --evaluations <count>' argument '0' is invalid");
  });

  it('test runs opa test and prints the coverage of each policy file', async () => {
    const run = await cli(['test', '--min-coverage', '90']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/\| policy file +\| lines covered \| lines \| coverage \|/);
    expect(run.stdout).toMatch(
      /\| \S*user-identified\/check\.rego +\| +\d+ \| +\d+ \| +\d+\.\d% \|/,
    );
    expect(run.stdout).toMatch(/\| total +\|/);
    expect(run.stdout).toMatch(
      /coverage: \d+(\.\d)?% of policy lines; minimum 90% in every policy file/,
    );
  });

  it('test fails naming each policy file under the minimum, whatever the total', async () => {
    const untested = await regoFolder(UNTESTED_CHECK);
    const run = await cli(['test', '--include', untested]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/coverage: 9\d(\.\d)?% of policy lines; minimum 90%/);
    expect(run.stdout).toMatch(
      /crowded-organisation\/check\.rego +\| +1 \| +3 \| +33\.3% \(under\) \|/,
    );
    expect(run.stderr).toBe(
      `xero-policies: line coverage under 90% in: ${join(untested, 'xeroaccess/checks/crowded-organisation/check.rego')} (33.3%)\n`,
    );
  });

  it('test takes --min-coverage with a trailing %', async () => {
    const untested = await regoFolder(UNTESTED_CHECK);
    const [low, high] = await Promise.all([
      cli(['test', '--include', untested, '--min-coverage', '30%']),
      cli(['test', '--include', untested, '--min-coverage', '50%']),
    ]);
    expect(low.code).toBe(0);
    expect(high.code).toBe(1);
    expect(high.stderr).toContain('line coverage under 50% in:');
  });

  it.each(['ninety', '99x', '101', '-1', ''])(
    'test refuses --min-coverage %j with a usage error',
    async (minimum) => {
      const run = await cli(['test', '--min-coverage', minimum]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(
        `option '--min-coverage <percent>' argument '${minimum}' is invalid. expected a number from 0 to 100`,
      );
    },
  );

  it("test passes with a custom check that reports on the built-in tests' inputs", async () => {
    const run = await cli(['test', '--include', await regoFolder(ALWAYS_FIRING_CHECK)]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('connection-reviewed/check.rego');
  });

  it.each(['test', 'build'])(
    '%s refuses a check nested more than one level under xeroaccess.checks',
    async (command) => {
      const nested = await regoFolder(NESTED_CHECK);
      const out = join(dir, `nested-${command}`);
      const output = command === 'build' ? ['--output', out] : [];
      const run = await cli([command, '--include', nested, ...output]);
      expect(run.code).toBe(1);
      const check = join(nested, 'xeroaccess/checks/acme/adviser_limit/check.rego');
      expect(run.stderr).toContain(`${check}: package xeroaccess.checks.acme.adviser_limit\n`);
      expect(run.stderr).toContain('A check must be `package xeroaccess.checks["<check-id>"]`');
      await expect(access(join(out, 'bundle.tar.gz'))).rejects.toThrow();
    },
  );

  it.each(['test', 'build'])(
    "%s refuses an included file that declares a built-in check's package (exit 1)",
    async (command) => {
      // opa would merge this finding into user-identified's.
      const merged = await regoFolder({
        'xeroaccess/checks/user-identified/extra.rego':
          'package xeroaccess.checks["user-identified"]\n\nfindings contains ' +
          '{"severity": "low", "subject": {"kind": "connection", "id": "x"}, "message": "m", "remediation": "r"}\n',
      });
      const out = join(dir, `merged-${command}`);
      const output = command === 'build' ? ['--output', out] : [];
      const run = await cli([command, '--include', merged, ...output]);
      expect(run.code).toBe(1);
      const file = join(merged, 'xeroaccess/checks/user-identified/extra.rego');
      expect(run.stderr).toContain(
        `  ${file}: package xeroaccess.checks["user-identified"] (the built-in check user-identified)\n`,
      );
      await expect(access(join(out, 'bundle.tar.gz'))).rejects.toThrow();
    },
  );

  it.each(['test', 'build'])(
    '%s runs opa check --strict over the included folders (exit 1)',
    async (command) => {
      const unused = await regoFolder({
        'xeroaccess/checks/unused-import/check.rego':
          'package xeroaccess.checks["unused-import"]\n\nimport data.xeroaccess.lib.identity\n\nfindings := set()\n',
      });
      const out = join(dir, `strict-${command}`);
      const output = command === 'build' ? ['--output', out] : [];
      const run = await cli([command, '--include', unused, ...output]);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('opa check --strict found problems in the Rego');
      expect(run.stderr).toContain(
        `${join(unused, 'xeroaccess/checks/unused-import/check.rego')}:3: rego_compile_error: ` +
          'import data.xeroaccess.lib.identity unused',
      );
      await expect(access(join(out, 'bundle.tar.gz'))).rejects.toThrow();
    },
  );

  it('test lints the included folders with Regal and exits 1 naming each problem', async () => {
    // Tested and covered, but not in a folder that mirrors its package.
    const misplaced = await regoFolder({
      'checks/check.rego': 'package xeroaccess.checks.misplaced\n\nfindings := set()\n',
      'checks/check_test.rego':
        'package xeroaccess.checks.misplaced_test\n\nimport data.xeroaccess.checks.misplaced\n\n' +
        'test_reports_nothing if count(misplaced.findings) == 0\n',
    });
    const run = await cli(['test', '--include', misplaced]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('coverage:');
    expect(run.stderr).toContain('xero-policies: Regal found 2 problems in the --include folders');
    expect(run.stderr).toContain(
      `  ${join(misplaced, 'checks/check.rego')}:1:9: directory-package-mismatch (idiomatic): ` +
        'Directory structure should mirror package\n',
    );
  });

  it.each(['test', 'build'])(
    '%s refuses an --include folder that is missing or not a folder with a usage error',
    async (command) => {
      const output = command === 'build' ? ['--output', join(dir, `include-${command}`)] : [];
      const missing = join(dir, 'no-such-checks');
      const run = await cli([command, '--include', missing, ...output]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(
        `option '-i, --include <dir>' argument '${missing}' is invalid. no such folder`,
      );
      expect(run.stderr).not.toContain('ENOENT');
      const file = join(dir, 'a-file.rego');
      await writeFile(file, 'package x\n');
      const notFolder = await cli([command, '--include', file, ...output]);
      expect(notFolder.code).toBe(2);
      expect(notFolder.stderr).toContain(
        `option '-i, --include <dir>' argument '${file}' is invalid. not a folder`,
      );
    },
  );

  it('build writes the bundle and the module', async () => {
    const out = join(dir, 'out');
    const run = await cli(['build', '--output', out]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(join(out, 'bundle.tar.gz'));
    expect(run.stdout).toContain(join(out, 'policy.wasm'));
  });

  it('build says to roll out bundle.tar.gz when the bundle carries data', async () => {
    const out = join(dir, 'with-data');
    const run = await cli(['build', '--include', await regoFolder(DATA_FILE), '--output', out]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe(
      `xero-policies: ${join(out, 'bundle.tar.gz')} carries data (its /data.json, from JSON or YAML files in ` +
        'the Rego folders) that policy.wasm alone does not: roll out bundle.tar.gz, not policy.wasm.\n',
    );
  });
});

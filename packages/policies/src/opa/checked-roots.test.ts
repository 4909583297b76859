import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ALWAYS_FIRING_CHECK, NESTED_CHECK, regoFolder } from '../test/check-folders.js';
import { checkedPolicyRoots } from './checked-roots.js';
import { POLICY_DIR } from './opa-tool.js';

const EXAMPLE = fileURLToPath(
  new URL('../../examples/xeroaccess/checks/adviser-limit/', import.meta.url),
);

describe('checkedPolicyRoots', () => {
  it('accepts checks one level under xeroaccess.checks, quoted or not', async () => {
    const dotted = await regoFolder({
      'xeroaccess/checks/adviser_limit/check.rego':
        'package xeroaccess.checks.adviser_limit\n\nfindings := set()\n',
    });
    const firing = await regoFolder(ALWAYS_FIRING_CHECK);
    expect(await checkedPolicyRoots([EXAMPLE, dotted, firing])).toEqual([
      POLICY_DIR,
      resolve(EXAMPLE),
      dotted,
      firing,
    ]);
  });

  it('refuses a check nested deeper, naming each file, its package and the form to use', async () => {
    const nested = await regoFolder(NESTED_CHECK);
    const error = await checkedPolicyRoots([EXAMPLE, nested]).then(
      () => undefined,
      (reason: unknown) => reason as Error,
    );
    const folder = join(nested, 'xeroaccess/checks/acme/adviser_limit');
    expect(error?.message.split('\n')).toEqual([
      'checks nested more than one level under xeroaccess.checks are never evaluated:',
      `  ${join(folder, 'check.rego')}: package xeroaccess.checks.acme.adviser_limit`,
      `  ${join(folder, 'check_test.rego')}: package xeroaccess.checks.acme.adviser_limit_test`,
      'A check must be `package xeroaccess.checks["<check-id>"]` (or `xeroaccess.checks.<id>`),',
      'one level under xeroaccess.checks; its tests `package xeroaccess.checks["<check-id>_test"]`.',
    ]);
  });

  it('quotes package names that are not identifiers, and reads a single file as opa does', async () => {
    const folder = await regoFolder({
      'check.rego': 'package xeroaccess.checks.acme["adviser-limit"]\n\nfindings := set()\n',
    });
    const file = join(folder, 'check.rego');
    await expect(checkedPolicyRoots([file])).rejects.toThrow(
      `${file}: package xeroaccess.checks.acme["adviser-limit"]`,
    );
  });

  it('reports a file that does not parse with opa check, not as a nested check', async () => {
    const broken = await regoFolder({ 'broken.rego': 'package xeroaccess.checks.a.b\n\nx if {\n' });
    const error = await checkedPolicyRoots([broken]).then(
      () => undefined,
      (reason: unknown) => reason as Error,
    );
    expect(error?.message).toContain('opa check --strict found problems in the Rego');
    expect(error?.message).toContain(`${join(broken, 'broken.rego')}:4: rego_parse_error`);
    expect(error?.message).not.toContain('nested');
  });

  it('refuses included files that declare a package of the shipped Rego, naming each', async () => {
    // opa merges one package's rules from every file: this finding would be user-identified's.
    const merged = await regoFolder({
      'xeroaccess/checks/user-identified/extra.rego': `package xeroaccess.checks["user-identified"]

findings contains {"severity": "low", "subject": {"kind": "connection", "id": "x"}, "message": "m", "remediation": "r"}
`,
      'xeroaccess/checks/user-identified/extra_test.rego':
        'package xeroaccess.checks["user-identified_test"]\n\ntest_nothing if true\n',
      'xeroaccess/lib/identity/more.rego': 'package xeroaccess.lib.identity\n\nextra := 1\n',
    });
    const error = await checkedPolicyRoots([EXAMPLE, merged]).then(
      () => undefined,
      (reason: unknown) => reason as Error,
    );
    const folder = join(merged, 'xeroaccess');
    expect(error?.message.split('\n').sort()).toEqual(
      [
        'included Rego declares packages of the shipped Rego, into which opa would merge its rules:',
        `  ${join(folder, 'checks/user-identified/extra.rego')}: package xeroaccess.checks["user-identified"] (the built-in check user-identified)`,
        `  ${join(folder, 'checks/user-identified/extra_test.rego')}: package xeroaccess.checks["user-identified_test"] (the tests of the built-in check user-identified)`,
        `  ${join(folder, 'lib/identity/more.rego')}: package xeroaccess.lib.identity`,
        'A custom check needs a check id of its own (`package xeroaccess.checks["<check-id>"]`),',
        'its tests and shared Rego packages of their own (e.g. `xeroaccess.lib.<team>`).',
      ].sort(),
    );
  });

  it('runs opa check --strict over the checks and the included folders', async () => {
    const unused = await regoFolder({
      'xeroaccess/checks/unused-import/check.rego': `package xeroaccess.checks["unused-import"]

import data.xeroaccess.lib.identity

findings := set()
`,
    });
    await expect(checkedPolicyRoots([EXAMPLE, unused])).rejects.toThrow(
      `${join(unused, 'xeroaccess/checks/unused-import/check.rego')}:3: rego_compile_error: ` +
        'import data.xeroaccess.lib.identity unused',
    );
  });
});

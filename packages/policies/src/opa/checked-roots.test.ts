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

  it('leaves a file that does not parse to opa build and opa test', async () => {
    const broken = await regoFolder({ 'broken.rego': 'package xeroaccess.checks.a.b\n\nx if {\n' });
    expect(await checkedPolicyRoots([broken])).toEqual([POLICY_DIR, broken]);
  });
});

import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ALWAYS_FIRING_CHECK, regoFolder } from '../test/check-folders.js';
import { regalLint } from './regal-lint.js';

const EXAMPLE = fileURLToPath(
  new URL('../../examples/xeroaccess/checks/adviser-limit/', import.meta.url),
);

describe('regalLint', { timeout: 30_000 }, () => {
  it('finds nothing in clean folders, though they import the shipped library', async () => {
    expect(await regalLint([EXAMPLE, await regoFolder(ALWAYS_FIRING_CHECK)])).toEqual([]);
  });

  it('names each file, line, rule and problem in the included folders', async () => {
    const folder = await regoFolder({
      // Not in a folder that mirrors its package; a line over 120 characters.
      'checks/long.rego': `package xeroaccess.checks.long

findings contains {"severity": "low", "subject": {"kind": "connection", "id": "x"}, "message": "mmmmmmmmmmmmmmmm", "remediation": "r"}
`,
    });
    const file = join(folder, 'checks/long.rego');
    expect((await regalLint([folder])).sort()).toEqual([
      `${file}:1:9: directory-package-mismatch (idiomatic): Directory structure should mirror package`,
      `${file}:3:1: line-length (style): Line too long`,
    ]);
  });

  it('lints nothing without included folders', async () => {
    expect(await regalLint([])).toEqual([]);
  });
});

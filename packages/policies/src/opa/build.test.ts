import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { readPolicyBundle } from '../wasm/read-bundle.js';
import { PACKAGE_DIR } from './opa-tool.js';

const sha256 = async (file: string) =>
  createHash('sha256')
    .update(await readFile(file))
    .digest('hex');

/**
 * This package checked out under `root` as in the repository (root/packages/policies, the
 * dependencies linked), with a platform team's own check beside it in root/my-checks; then
 * `xero-policies build --include ../../my-checks` from the package folder.
 */
async function buildIn(root: string): Promise<{ bundle: string; wasm: string }> {
  const pkg = join(root, 'packages', 'policies');
  await mkdir(pkg, { recursive: true });
  for (const part of ['package.json', 'src', 'policies', 'examples'])
    await cp(join(PACKAGE_DIR, part), join(pkg, part), { recursive: true });
  await symlink(join(PACKAGE_DIR, 'node_modules'), join(pkg, 'node_modules'));
  await symlink(join(PACKAGE_DIR, '..', '..', 'node_modules'), join(root, 'node_modules'));
  await cp(join(PACKAGE_DIR, 'examples/xeroaccess/checks/adviser-limit'), join(root, 'my-checks'), {
    recursive: true,
  });
  const out = join(root, 'out');
  await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', 'src/cli.ts', 'build', '--include', '../../my-checks', '--output', out],
    { cwd: pkg },
  );
  return { bundle: join(out, 'bundle.tar.gz'), wasm: join(out, 'policy.wasm') };
}

describe('buildBundle', () => {
  const roots: string[] = [];
  afterEach(async () => {
    await Promise.all(roots.splice(0).map((root) => rm(root, { recursive: true, force: true })));
  });
  const tempRoot = async (prefix: string) => {
    roots.push(await mkdtemp(join(tmpdir(), prefix)));
    return roots.at(-1)!;
  };

  it(
    'builds the same Rego into the same bytes wherever it is checked out, with the version as revision',
    { timeout: 120_000 },
    async () => {
      const here = await buildIn(await tempRoot('xao-build-'));
      const elsewhere = await buildIn(
        join(await tempRoot('xao-build-other-'), 'some', 'deeper', 'checkout'),
      );
      expect(await sha256(elsewhere.bundle)).toBe(await sha256(here.bundle));
      expect(await sha256(elsewhere.wasm)).toBe(await sha256(here.wasm));

      const { version } = JSON.parse(await readFile(join(PACKAGE_DIR, 'package.json'), 'utf8')) as {
        version: string;
      };
      expect((await readPolicyBundle(here.bundle)).revision).toBe(version);
    },
  );
});

import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { ENTRYPOINT, EVALUATION_ENTRYPOINT, UNSORTED_ENTRYPOINT } from '../evaluator.js';
import { buildBundle, type BuiltBundle } from '../opa/build.js';
import { POLICY_DIR, runOpa } from '../opa/opa-tool.js';

/** Builds the checks (plus `include`) from source into a fresh temporary folder. */
export async function buildFresh(include: string[] = []): Promise<BuiltBundle> {
  return buildBundle({ include, outDir: await mkdtemp(join(tmpdir(), 'xao-policies-')) });
}

/**
 * The checks built by hand with `opa build -e xeroaccess/result` alone, from a main.rego without
 * `entrypoint: true` annotations (which opa build would add as entrypoints), as before the other
 * entrypoints existed. Returns the bundle's path.
 */
export async function buildResultOnly(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'xao-result-only-'));
  const policies = join(dir, 'policies');
  await cp(POLICY_DIR, policies, { recursive: true, filter: (f) => !f.endsWith('_test.rego') });
  const main = join(policies, 'xeroaccess', 'main.rego');
  await writeFile(main, (await readFile(main, 'utf8')).replaceAll('# entrypoint: true\n', ''));
  const bundle = join(dir, 'bundle.tar.gz');
  const run = await runOpa(['build', '-t', 'wasm', '-e', ENTRYPOINT, '-o', bundle, policies]);
  if (run.exitCode !== 0) throw new Error(`opa build failed:\n${run.stderr || run.stdout}`);
  return bundle;
}

/**
 * The checks built by hand with the entrypoints `xero-policies build` gives, but without the
 * built-in checks in `omit` (folders under policies/xeroaccess/checks/): what a team gets by
 * building main.rego, the lib and only its own checks. Returns the bundle's path.
 */
export async function buildWithout(omit: string[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'xao-without-'));
  const policies = join(dir, 'policies');
  const omitted = omit.map((check) => join(POLICY_DIR, 'xeroaccess', 'checks', check));
  await cp(POLICY_DIR, policies, {
    recursive: true,
    filter: (f) =>
      !f.endsWith('_test.rego') &&
      !omitted.some((folder) => f === folder || f.startsWith(folder + sep)),
  });
  const bundle = join(dir, 'bundle.tar.gz');
  const entrypoints = [ENTRYPOINT, UNSORTED_ENTRYPOINT, EVALUATION_ENTRYPOINT];
  const run = await runOpa([
    'build',
    '-t',
    'wasm',
    ...entrypoints.flatMap((e) => ['-e', e]),
    '-o',
    bundle,
    policies,
  ]);
  if (run.exitCode !== 0) throw new Error(`opa build failed:\n${run.stderr || run.stdout}`);
  return bundle;
}

import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { ENTRYPOINT, EVALUATION_ENTRYPOINT, UNSORTED_ENTRYPOINT } from '../evaluator.js';
import { readPolicyBundle } from '../wasm/read-bundle.js';
import { checkedPolicyRoots } from './checked-roots.js';
import { PACKAGE_DIR, runOpa } from './opa-tool.js';

export interface BuildOptions {
  /** Extra Rego folders to compile in, e.g. a platform team's custom checks. */
  include?: readonly string[];
  /** Where bundle.tar.gz and policy.wasm go. */
  outDir: string;
}

export interface BuiltBundle {
  bundle: string;
  wasm: string;
  /**
   * The bundle's /data.json is not empty (the Rego folders hold JSON or YAML data files):
   * bundle.tar.gz carries that data, policy.wasm alone does not.
   */
  carriesData: boolean;
}

/**
 * `opa build -t wasm`, tests excluded, then extracts policy.wasm beside the bundle. The manifest's
 * revision is this package's version.
 */
export async function buildBundle(options: BuildOptions): Promise<BuiltBundle> {
  const outDir = resolve(options.outDir);
  await mkdir(outDir, { recursive: true });
  const bundle = join(outDir, 'bundle.tar.gz');
  const roots = await checkedPolicyRoots(options.include);
  const run = await runOpa(
    [
      'build',
      '-t',
      'wasm',
      '-e',
      ENTRYPOINT,
      '-e',
      UNSORTED_ENTRYPOINT,
      '-e',
      EVALUATION_ENTRYPOINT,
      '--ignore',
      '*_test.rego',
      '--revision',
      await packageVersion(),
      '-o',
      bundle,
      // opa writes the paths it is given into policy.wasm and the bundle: relative to the package,
      // the bundle's sha256 does not depend on where the package (or the repository) is checked out.
      ...roots.map((root) => relative(PACKAGE_DIR, root) || '.'),
    ],
    { cwd: PACKAGE_DIR },
  );
  if (run.exitCode !== 0)
    throw new Error(
      `opa build failed (file names relative to ${PACKAGE_DIR}):\n${run.stderr || run.stdout}`,
    );
  const wasm = join(outDir, 'policy.wasm');
  const built = await readPolicyBundle(bundle);
  await writeFile(wasm, built.wasm);
  return { bundle, wasm, carriesData: Object.keys(built.data ?? {}).length > 0 };
}

async function packageVersion(): Promise<string> {
  const { version } = JSON.parse(await readFile(join(PACKAGE_DIR, 'package.json'), 'utf8')) as {
    version: string;
  };
  return version;
}

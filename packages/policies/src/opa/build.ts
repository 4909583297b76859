import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ENTRYPOINT, EVALUATION_ENTRYPOINT, UNSORTED_ENTRYPOINT } from '../evaluator.js';
import { readPolicyBundle } from '../wasm/read-bundle.js';
import { checkedPolicyRoots } from './checked-roots.js';
import { runOpa } from './opa-tool.js';

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

/** `opa build -t wasm`, tests excluded, then extracts policy.wasm beside the bundle. */
export async function buildBundle(options: BuildOptions): Promise<BuiltBundle> {
  const outDir = resolve(options.outDir);
  await mkdir(outDir, { recursive: true });
  const bundle = join(outDir, 'bundle.tar.gz');
  const roots = await checkedPolicyRoots(options.include);
  const run = await runOpa([
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
    '-o',
    bundle,
    ...roots,
  ]);
  if (run.exitCode !== 0) throw new Error(`opa build failed:\n${run.stderr || run.stdout}`);
  const wasm = join(outDir, 'policy.wasm');
  const built = await readPolicyBundle(bundle);
  await writeFile(wasm, built.wasm);
  return { bundle, wasm, carriesData: Object.keys(built.data ?? {}).length > 0 };
}

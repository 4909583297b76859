import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ENTRYPOINT, UNSORTED_ENTRYPOINT } from '../evaluator.js';
import { readPolicyWasm } from '../wasm/read-bundle.js';
import { policyRoots, runOpa } from './opa-tool.js';

export interface BuildOptions {
  /** Extra Rego folders to compile in, e.g. a platform team's custom checks. */
  include?: readonly string[];
  /** Where bundle.tar.gz and policy.wasm go. */
  outDir: string;
}

export interface BuiltBundle {
  bundle: string;
  wasm: string;
}

/** `opa build -t wasm`, tests excluded, then extracts policy.wasm beside the bundle. */
export async function buildBundle(options: BuildOptions): Promise<BuiltBundle> {
  const outDir = resolve(options.outDir);
  await mkdir(outDir, { recursive: true });
  const bundle = join(outDir, 'bundle.tar.gz');
  const roots = policyRoots((options.include ?? []).map((dir) => resolve(dir)));
  const run = await runOpa([
    'build',
    '-t',
    'wasm',
    '-e',
    ENTRYPOINT,
    '-e',
    UNSORTED_ENTRYPOINT,
    '--ignore',
    '*_test.rego',
    '-o',
    bundle,
    ...roots,
  ]);
  if (run.exitCode !== 0) throw new Error(`opa build failed:\n${run.stderr || run.stdout}`);
  const wasm = join(outDir, 'policy.wasm');
  await writeFile(wasm, await readPolicyWasm(bundle));
  return { bundle, wasm };
}

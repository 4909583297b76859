import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { policyRoots, runOpa } from './opa-tool.js';

/**
 * Evaluates `data.xeroaccess.result` with the opa binary (the Go interpreter, not WASM) for
 * each input, in one process: the reference the WASM module is compared against.
 */
export async function opaEvalResults(
  inputs: readonly unknown[],
  include: readonly string[] = [],
): Promise<unknown[]> {
  const dir = await mkdtemp(join(tmpdir(), 'xao-opa-eval-'));
  try {
    const inputFile = join(dir, 'inputs.json');
    await writeFile(inputFile, JSON.stringify({ cases: inputs }));
    const query = '[r | some c in input.cases; r := data.xeroaccess.result with input as c]';
    const run = await runOpa([
      'eval',
      '--format',
      'json',
      '--ignore',
      '*_test.rego',
      ...policyRoots(include.map((d) => resolve(d))).flatMap((root) => ['--data', root]),
      '--input',
      inputFile,
      query,
    ]);
    if (run.exitCode !== 0) throw new Error(`opa eval failed:\n${run.stderr || run.stdout}`);
    const parsed = JSON.parse(run.stdout) as { result?: { expressions: { value: unknown[] }[] }[] };
    const value = parsed.result?.[0]?.expressions[0]?.value;
    if (!Array.isArray(value) || value.length !== inputs.length) {
      throw new Error(
        `opa eval returned ${Array.isArray(value) ? value.length : 'no'} results for ${inputs.length} inputs`,
      );
    }
    return value;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** One `opa eval` of a single input file, end to end (process start, compile, evaluate). */
export async function opaEvalFile(
  inputFile: string,
  include: readonly string[] = [],
): Promise<unknown> {
  const run = await runOpa([
    'eval',
    '--format',
    'json',
    '--ignore',
    '*_test.rego',
    ...policyRoots(include.map((d) => resolve(d))).flatMap((root) => ['--data', root]),
    '--input',
    inputFile,
    'data.xeroaccess.result',
  ]);
  if (run.exitCode !== 0) throw new Error(`opa eval failed:\n${run.stderr || run.stdout}`);
  const parsed = JSON.parse(run.stdout) as { result?: { expressions: { value: unknown }[] }[] };
  return parsed.result?.[0]?.expressions[0]?.value;
}

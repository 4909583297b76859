import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { policyRoots, runOpa } from './opa-tool.js';

/**
 * Evaluates `data.xeroaccess.<rule>` (by default `result`, the output document) with the opa
 * binary (the Go interpreter, not WASM) for each input, in one process: the reference the WASM
 * module is compared against.
 */
export async function opaEvalResults(
  inputs: readonly unknown[],
  include: readonly string[] = [],
  rule = 'result',
): Promise<unknown[]> {
  const dir = await mkdtemp(join(tmpdir(), 'xao-opa-eval-'));
  try {
    const inputFile = join(dir, 'inputs.json');
    await writeFile(inputFile, JSON.stringify({ cases: inputs }));
    const query = `[r | some c in input.cases; r := data.xeroaccess.${rule} with input as c]`;
    const { value } = await opaEvalQuery(inputFile, query, include);
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

export interface OpaEvalRun {
  value: unknown;
  /** The Go interpreter's own query evaluation time inside the process (`--metrics`), ms. */
  queryEvalMs: number;
}

/** One `opa eval` of a single input file, end to end (process start, compile, evaluate). */
export function opaEvalFile(
  inputFile: string,
  include: readonly string[] = [],
): Promise<OpaEvalRun> {
  return opaEvalQuery(inputFile, 'data.xeroaccess.result', include);
}

async function opaEvalQuery(
  inputFile: string,
  query: string,
  include: readonly string[],
): Promise<OpaEvalRun> {
  const run = await runOpa([
    'eval',
    '--format',
    'json',
    '--metrics',
    '--ignore',
    '*_test.rego',
    ...policyRoots(include.map((d) => resolve(d))).flatMap((root) => ['--data', root]),
    '--input',
    inputFile,
    query,
  ]);
  if (run.exitCode !== 0) throw new Error(`opa eval failed:\n${run.stderr || run.stdout}`);
  const parsed = JSON.parse(run.stdout) as {
    result?: { expressions: { value: unknown }[] }[];
    metrics?: Record<string, number>;
  };
  return {
    value: parsed.result?.[0]?.expressions[0]?.value,
    queryEvalMs: (parsed.metrics?.timer_rego_query_eval_ns ?? 0) / 1e6,
  };
}

import type { PolicyEvaluator } from '../src/evaluator.js';
import type { PolicyInput } from '../src/generated/policy-input.js';

export interface WasmRuns {
  result: unknown;
  /** Wall time of each run, ms. */
  wallMs: number[];
  /** This process's CPU time of each run, ms: steadier on a shared machine. */
  cpuMs: number[];
}

/**
 * `evaluateRaw` (findings and reevaluate_at, what the reconciler evaluates)
 * after `warmup` untimed runs: V8 compiles WebAssembly in tiers, the first calls
 * run baseline code, later ones optimised code, and the reconciler is long-running.
 */
export function measureWasm(
  evaluator: PolicyEvaluator,
  input: PolicyInput,
  runs: number,
  warmup: number,
): WasmRuns {
  for (let i = 0; i < warmup; i++) evaluator.evaluateRaw(input);
  const measured: WasmRuns = { result: undefined, wallMs: [], cpuMs: [] };
  for (let i = 0; i < runs; i++) {
    const cpu = process.cpuUsage();
    const start = performance.now();
    measured.result = evaluator.evaluateRaw(input);
    measured.wallMs.push(performance.now() - start);
    const used = process.cpuUsage(cpu);
    measured.cpuMs.push((used.user + used.system) / 1000);
  }
  return measured;
}

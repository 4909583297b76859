import { Session } from 'node:inspector/promises';
import type { PolicyEvaluator } from '../evaluator.js';
import { median } from './median.js';

/** Where a share of the evaluation time went. */
export type ProfilePart = 'rule' | 'input' | 'output' | 'wasm-runtime' | 'javascript';

export interface ProfileRow {
  /** `data.xeroaccess.lib.identity.resolve`, or a phase such as `input: JSON parse in WASM`. */
  name: string;
  part: ProfilePart;
  /** Milliseconds per evaluation (share of the measured wall time). */
  ms: number;
  /** Percent of the sampled time. */
  percent: number;
}

export interface EvaluationProfile {
  evaluations: number;
  /** Median wall time of one evaluation, validation included. */
  medianMs: number;
  rows: ProfileRow[];
}

export interface ProfileOptions {
  /** Evaluations under the profiler (default 20). */
  evaluations?: number;
  /** Evaluations before it, so V8 has tiered the WASM up as in a long-running reconciler (default 5). */
  warmup?: number;
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples?: number[];
  timeDeltas?: number[];
}

/** The planner names each rule's WASM function `g<n>.data.<path>`. */
const RULE_FUNCTION = /^g\d+\.(data\..+)$/;

/**
 * Evaluates `input` under V8's sampling profiler and attributes the samples to Rego rules (each
 * sample to the innermost rule on its stack: the rule's own work, builtins and runtime calls
 * included, the rules it calls excluded) and to the phases around them: the input's JSON parse
 * inside WASM, the output's dump, and JavaScript (JSON.stringify, schema validation, sorting).
 */
export async function profileEvaluation(
  evaluator: PolicyEvaluator,
  input: unknown,
  options: ProfileOptions = {},
): Promise<EvaluationProfile> {
  const evaluations = options.evaluations ?? 20;
  for (let i = 0; i < (options.warmup ?? 5); i++) evaluator.evaluate(input);

  const session = new Session();
  session.connect();
  const wall: number[] = [];
  let profile: CpuProfile;
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 100 });
    await session.post('Profiler.start');
    for (let i = 0; i < evaluations; i++) {
      const start = performance.now();
      evaluator.evaluate(input);
      wall.push(performance.now() - start);
    }
    ({ profile } = (await session.post('Profiler.stop')) as { profile: CpuProfile });
  } finally {
    session.disconnect();
  }

  const medianMs = median(wall);
  const totals = attribute(profile);
  const sampled = [...totals.values()].reduce((sum, t) => sum + t.micros, 0);
  const rows = [...totals.entries()]
    .map(([name, { part, micros }]) => ({
      name,
      part,
      ms: round((medianMs * micros) / sampled),
      percent: round((100 * micros) / sampled),
    }))
    .sort((a, b) => b.percent - a.percent);
  return { evaluations, medianMs: round(medianMs), rows };
}

function attribute(profile: CpuProfile): Map<string, { part: ProfilePart; micros: number }> {
  const parent = new Map<number, ProfileNode>();
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parent.set(child, node);

  const classified = new Map<number, { name: string; part: ProfilePart } | undefined>();
  const classify = (leaf: ProfileNode) => {
    if (!classified.has(leaf.id)) {
      let found: { name: string; part: ProfilePart } | undefined;
      let insideEval = false;
      for (let node: ProfileNode | undefined = leaf; node; node = parent.get(node.id)) {
        const fn = node.callFrame.functionName;
        const rule = RULE_FUNCTION.exec(fn)?.[1];
        if (!found && rule) found = { name: rule, part: 'rule' };
        else if (!found && fn.startsWith('opa_json_parse'))
          found = { name: 'input: JSON parse in WASM', part: 'input' };
        else if (!found && (fn.startsWith('opa_json_dump') || fn.startsWith('opa_json_writer')))
          found = { name: 'output: JSON dump in WASM', part: 'output' };
        if (fn === 'opa_eval') insideEval = true;
      }
      if (!found)
        found = insideEval
          ? { name: 'WASM runtime (outside any rule)', part: 'wasm-runtime' }
          : { name: 'JavaScript: stringify, copy, validate, sort', part: 'javascript' };
      classified.set(leaf.id, found);
    }
    return classified.get(leaf.id);
  };

  const totals = new Map<string, { part: ProfilePart; micros: number }>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  samples.forEach((id, i) => {
    const node = byId.get(id);
    const fn = node?.callFrame.functionName;
    // Idle samples are not evaluation time; garbage collection and V8's own work (`(program)`)
    // are, and fall to JavaScript below.
    if (!node || fn === '(idle)') return;
    const where = classify(node)!;
    const total = totals.get(where.name) ?? { part: where.part, micros: 0 };
    total.micros += deltas[i] ?? 0;
    totals.set(where.name, total);
  });
  return totals;
}

const round = (value: number) => Math.round(value * 10) / 10;

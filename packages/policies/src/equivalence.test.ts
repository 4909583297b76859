import { beforeAll, describe, expect, it } from 'vitest';
import { PolicyEvaluator } from './evaluator.js';
import type { Finding } from './generated/policy-output.js';
import { opaEvalResults } from './opa/opa-eval.js';
import { assertPolicyInput, assertPolicyOutput } from './schema/validate.js';
import { sortFindings } from './sort-findings.js';
import { buildFresh } from './test/built-policy.js';
import { randomInput } from './test/generate-input.js';

/** 80 small adversarial documents and 4 larger ones, all from fixed seeds. */
const corpus = [
  ...Array.from({ length: 80 }, (_, i) => randomInput(1000 + i, 30)),
  ...Array.from({ length: 4 }, (_, i) => randomInput(5000 + i, 400)),
];

interface Evaluation {
  findings: Finding[];
  reevaluate_at: string | null;
}

describe('the WASM module means what the Rego says', () => {
  let wasmResults: unknown[];
  let opaResults: unknown[];
  let wasmEvaluations: unknown[];
  let opaEvaluations: Evaluation[];

  beforeAll(async () => {
    const [built, reference, evaluations] = await Promise.all([
      buildFresh(),
      opaEvalResults(corpus),
      opaEvalResults(corpus, [], 'evaluation'),
    ]);
    const evaluator = await PolicyEvaluator.fromFile(built.wasm);
    wasmEvaluations = corpus.map((input) => evaluator.evaluateRaw(input));
    // The output document the evaluator gives: the evaluation's findings, without reevaluate_at.
    wasmResults = wasmEvaluations.map((e) => ({ findings: (e as Evaluation).findings }));
    opaResults = reference;
    // The entrypoint's findings are unsorted, in each engine's own order; the evaluator sorts them.
    opaEvaluations = (evaluations as Evaluation[]).map((e) => ({
      ...e,
      findings: sortFindings(e.findings),
    }));
  }, 60_000);

  it('generates valid inputs that exercise every check', () => {
    for (const input of corpus) assertPolicyInput(input);
    const checks = new Set(
      opaResults.flatMap((result) =>
        assertPolicyOutput(result).findings.map((finding) => finding.check),
      ),
    );
    expect([...checks].sort()).toEqual([
      'critical-system-access-configured',
      'critical-system-access-valid',
      'offboarded-access-removed',
      'user-identified',
    ]);
  });

  it('generates inputs with and without a grace period still running', () => {
    const running = opaEvaluations.filter((e) => e.reevaluate_at !== null).length;
    expect(running).toBeGreaterThan(10);
    expect(running).toBeLessThan(corpus.length - 10);
  });

  it.each(corpus.map((input, index) => ({ index, seed: input.tenant.tenantId })))(
    'input $index ($seed): WASM result deep-equals opa eval',
    ({ index }) => {
      expect(wasmResults[index]).toEqual(opaResults[index]);
    },
  );

  it.each(corpus.map((input, index) => ({ index, seed: input.tenant.tenantId })))(
    'input $index ($seed): WASM xeroaccess/evaluation deep-equals opa eval, with the same findings as the result',
    ({ index }) => {
      expect(wasmEvaluations[index]).toEqual(opaEvaluations[index]);
      expect(opaEvaluations[index]!.findings).toEqual(
        (opaResults[index] as { findings: unknown }).findings,
      );
    },
  );
});

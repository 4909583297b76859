import { beforeAll, describe, expect, it } from 'vitest';
import { PolicyEvaluator } from './evaluator.js';
import { opaEvalResults } from './opa/opa-eval.js';
import { assertPolicyInput, assertPolicyOutput } from './schema/validate.js';
import { buildFresh } from './test/built-policy.js';
import { randomInput } from './test/generate-input.js';

/** 80 small adversarial documents and 4 larger ones, all from fixed seeds. */
const corpus = [
  ...Array.from({ length: 80 }, (_, i) => randomInput(1000 + i, 30)),
  ...Array.from({ length: 4 }, (_, i) => randomInput(5000 + i, 400)),
];

describe('the WASM module means what the Rego says', () => {
  let wasmResults: unknown[];
  let opaResults: unknown[];

  beforeAll(async () => {
    const [built, reference] = await Promise.all([buildFresh(), opaEvalResults(corpus)]);
    const evaluator = await PolicyEvaluator.fromFile(built.wasm);
    wasmResults = corpus.map((input) => evaluator.evaluateRaw(input));
    opaResults = reference;
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

  it.each(corpus.map((input, index) => ({ index, seed: input.tenant.tenantId })))(
    'input $index ($seed): WASM result deep-equals opa eval',
    ({ index }) => {
      expect(wasmResults[index]).toEqual(opaResults[index]);
    },
  );
});

import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { PolicyEvaluator } from './evaluator.js';
import type { PolicyInput, XeroUser } from './generated/policy-input.js';
import { buildFresh } from './test/built-policy.js';
import { adviserCapReadingData } from './test/data-check.js';

const ADVISER_LIMIT = fileURLToPath(
  new URL('../examples/xeroaccess/checks/adviser-limit/', import.meta.url),
);

function adviser(i: number): XeroUser {
  return {
    userId: `adviser-${i}`,
    email: `adviser${i}@firm.example`,
    firstName: 'Adviser',
    lastName: String(i),
    organisationRole: 'FINANCIALADVISER',
    isSubscriber: false,
    updatedDateUtc: null,
  };
}

const threeAdvisers: PolicyInput = {
  now: '2026-11-22T00:00:00Z',
  connection: { namespace: 'finance', name: 'acme', criticalSystem: false },
  tenant: { tenantId: 't', tenantName: 'Acme' },
  users: [adviser(1), adviser(2), adviser(3)],
  staff: [],
  accountLinks: [1, 2, 3].map((i) => ({
    userId: `adviser-${i}`,
    nonHuman: true as const,
    justification: 'External accountants',
  })),
};

describe('custom checks are picked up without TypeScript changes', () => {
  let standard: PolicyEvaluator;
  let withExample: PolicyEvaluator;

  beforeAll(async () => {
    const [plain, extended] = await Promise.all([buildFresh(), buildFresh([ADVISER_LIMIT])]);
    standard = await PolicyEvaluator.fromFile(plain.wasm);
    withExample = await PolicyEvaluator.fromFile(extended.wasm);
  }, 60_000);

  it('the standard build does not know the example check', () => {
    expect(standard.evaluate(threeAdvisers).findings).toEqual([]);
  });

  it('including examples/xeroaccess/checks/adviser-limit in the build adds its findings', () => {
    expect(withExample.evaluate(threeAdvisers).findings).toEqual([
      {
        check: 'adviser-limit',
        severity: 'low',
        subject: { kind: 'connection', id: 'finance/acme' },
        message:
          'XeroConnection finance/acme has 3 users with the FINANCIALADVISER role; at most 2 are expected.',
        remediation:
          'Lower the role of advisers who no longer need it, or raise max_advisers in the adviser-limit check if more are justified.',
      },
    ]);
  });
});

describe('custom checks that read data files (data.json beside the Rego)', () => {
  let built: { bundle: string; wasm: string };

  beforeAll(async () => {
    built = await buildFresh([await adviserCapReadingData(2)]);
  }, 60_000);

  it('fire when the evaluator loads bundle.tar.gz, which carries the data', async () => {
    const evaluator = await PolicyEvaluator.fromFile(built.bundle);
    expect(evaluator.evaluate(threeAdvisers).findings).toEqual([
      {
        check: 'adviser-cap',
        severity: 'low',
        subject: { kind: 'connection', id: 'finance/acme' },
        message: 'too many advisers',
        remediation: 'lower max_advisers',
      },
    ]);
    expect(
      evaluator.evaluate({ ...threeAdvisers, users: threeAdvisers.users.slice(0, 2) }).findings,
    ).toEqual([]);
  });

  it('see no data in a bare policy.wasm (opa build keeps data out of the module)', async () => {
    const evaluator = await PolicyEvaluator.fromFile(built.wasm);
    expect(evaluator.evaluate(threeAdvisers).findings).toEqual([]);
  });
});

import { createHash } from 'node:crypto';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILT_POLICY_BUNDLE, BUILT_POLICY_WASM } from '@xero-access/policies';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ReconcilerMetrics } from '../metrics/metrics.js';
import { createPolicyEvaluator } from './create-evaluator.js';
import type { PolicyEvaluator } from './policy-evaluator.js';

async function refused(metrics: ReconcilerMetrics): Promise<number | undefined> {
  return (await metrics.policyBundleRefused.get()).values[0]?.value;
}

async function bundleInfo(metrics: ReconcilerMetrics) {
  return (await metrics.policyBundleInfo.get()).values.map(({ labels, value }) => ({
    ...labels,
    value,
  }));
}

const sha256Of = async (file: string) =>
  createHash('sha256')
    .update(await readFile(file))
    .digest('hex');

const { version: POLICIES_VERSION } = createRequire(import.meta.url)(
  '@xero-access/policies/package.json',
) as { version: string };

async function until(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200 && !(await check()); i++) await new Promise((r) => setTimeout(r, 25));
}

describe('createPolicyEvaluator', () => {
  let dir: string | undefined;
  let evaluator: PolicyEvaluator | undefined;
  afterEach(async () => {
    await evaluator?.close?.();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('gives the findings and when the policy says to evaluate again', async () => {
    evaluator = await createPolicyEvaluator(
      undefined,
      pino({ level: 'silent' }),
      new ReconcilerMetrics({ defaultMetrics: false }),
    );
    const user = {
      userId: 'u1',
      email: 'olivia@acme.example',
      firstName: null,
      lastName: null,
      organisationRole: 'STANDARD',
      isSubscriber: false,
      updatedDateUtc: null,
    };
    const staff = {
      id: 's1',
      email: 'olivia@acme.example',
      name: 'Olivia',
      orgRole: 'accountant',
      status: 'offboarded' as const,
      offboardedAt: '2026-11-21T06:00:00Z',
    };
    const evaluation = await evaluator.evaluate({
      now: '2026-11-22T00:00:00.000Z',
      connection: { namespace: 'finance', name: 'acme', criticalSystem: false },
      tenant: { tenantId: 't1', tenantName: 'Acme' },
      users: [user],
      staff: [staff],
      accountLinks: [],
      settings: { offboardingGraceHours: 24 },
    });
    expect(evaluation).toEqual({
      findings: [],
      reevaluateAt: new Date('2026-11-22T06:00:00Z'),
      // Which bundle evaluated: named in the notes of the findings it resolves.
      policy: { revision: POLICIES_VERSION, sha256: await sha256Of(BUILT_POLICY_BUNDLE) },
    });
  });

  it('says through xao_policy_bundle_refused while the bundle file holds a refused bundle', async () => {
    dir = await mkdtemp(join(tmpdir(), 'xao-policy-'));
    const path = join(dir, 'policy.wasm');
    await copyFile(BUILT_POLICY_WASM, path);
    const metrics = new ReconcilerMetrics({ defaultMetrics: false });
    evaluator = await createPolicyEvaluator(path, pino({ level: 'silent' }), metrics, {
      pollIntervalMs: 20,
    });
    expect(await refused(metrics)).toBe(0);

    await writeFile(path, 'not a WebAssembly module');
    await until(async () => (await refused(metrics)) === 1);
    expect(await refused(metrics)).toBe(1);

    await copyFile(BUILT_POLICY_WASM, path);
    await until(async () => (await refused(metrics)) === 0);
    expect(await refused(metrics)).toBe(0);
  });

  it('exports the built-in bundle in use, with its revision, when POLICY_BUNDLE_PATH is unset', async () => {
    const metrics = new ReconcilerMetrics({ defaultMetrics: false });
    evaluator = await createPolicyEvaluator(undefined, pino({ level: 'silent' }), metrics);
    expect(await bundleInfo(metrics)).toEqual([
      {
        sha256: await sha256Of(BUILT_POLICY_BUNDLE),
        revision: POLICIES_VERSION,
        source: 'built-in',
        value: 1,
      },
    ]);
  });

  it('replaces the xao_policy_bundle_info series when a new bundle loads', async () => {
    dir = await mkdtemp(join(tmpdir(), 'xao-policy-'));
    const path = join(dir, 'bundle.tar.gz');
    await copyFile(BUILT_POLICY_BUNDLE, path);
    const metrics = new ReconcilerMetrics({ defaultMetrics: false });
    evaluator = await createPolicyEvaluator(path, pino({ level: 'silent' }), metrics, {
      pollIntervalMs: 20,
    });
    expect(await bundleInfo(metrics)).toEqual([
      { sha256: await sha256Of(path), revision: POLICIES_VERSION, source: path, value: 1 },
    ]);

    // A bare module has no manifest, so no revision.
    await copyFile(BUILT_POLICY_WASM, path);
    await until(async () => (await bundleInfo(metrics))[0]?.revision === '');
    expect(await bundleInfo(metrics)).toEqual([
      { sha256: await sha256Of(BUILT_POLICY_WASM), revision: '', source: path, value: 1 },
    ]);
    // Evaluations from then on name the new one.
    const evaluation = await evaluator.evaluate({
      now: '2026-11-22T00:00:00.000Z',
      connection: { namespace: 'finance', name: 'acme', criticalSystem: false },
      tenant: { tenantId: 't1', tenantName: 'Acme' },
      users: [],
      staff: [],
      accountLinks: [],
    });
    expect(evaluation.policy).toEqual({
      revision: null,
      sha256: await sha256Of(BUILT_POLICY_WASM),
    });
  });
});

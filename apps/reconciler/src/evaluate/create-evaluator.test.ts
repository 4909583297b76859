import { createHash } from 'node:crypto';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { BUILT_POLICY_BUNDLE, BUILT_POLICY_WASM, readPolicyBundle } from '@xero-access/policies';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../logging/logger.js';
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

/** A ustar archive of these files, gzipped: the layout of `opa build`'s bundle.tar.gz. */
function tarGz(files: Record<string, Buffer>): Buffer {
  const blocks: Buffer[] = [];
  for (const [name, body] of Object.entries(files)) {
    const header = Buffer.alloc(512);
    header.write(name, 0);
    header.write('0000644\0', 100);
    header.write(`${body.length.toString(8).padStart(11, '0')}\0`, 124);
    header.write('00000000000\0', 136);
    header.write('        ', 148);
    header.write('0', 156);
    header.write('ustar\0' + '00', 257);
    const sum = header.reduce((total, byte) => total + byte, 0);
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    blocks.push(header, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  return gzipSync(Buffer.concat([...blocks, Buffer.alloc(1024)]));
}

/** The built-in checks, as `xero-policies build` of another version of the package would write them. */
async function bundleRevised(revision: string): Promise<Buffer> {
  const { wasm, data } = await readPolicyBundle(BUILT_POLICY_BUNDLE);
  return tarGz({
    '/.manifest': Buffer.from(JSON.stringify({ revision, roots: [''] })),
    '/data.json': Buffer.from(JSON.stringify(data ?? {})),
    '/policy.wasm': wasm,
  });
}

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

  // A custom bundle is not rebuilt by an upgrade: it keeps the previous release's checks.
  it('warns of a bundle built by another version of @xero-access/policies, at start and on reload', async () => {
    dir = await mkdtemp(join(tmpdir(), 'xao-policy-'));
    const path = join(dir, 'bundle.tar.gz');
    await writeFile(path, await bundleRevised('0.0.1'));
    const lines: string[] = [];
    const logger = createLogger(
      'info',
      new Writable({ write: (chunk, _encoding, done) => done(void lines.push(String(chunk))) }),
    );
    const metrics = new ReconcilerMetrics({ defaultMetrics: false });
    evaluator = await createPolicyEvaluator(path, logger, metrics, { pollIntervalMs: 20 });
    const warnings = () =>
      lines
        .map((line) => JSON.parse(line) as { level: string; msg: string; warnings?: string[] })
        .filter((line) => line.level === 'warn');
    expect(warnings()).toEqual([
      expect.objectContaining({
        msg: 'policy bundle out of date: rebuild it with this version of @xero-access/policies',
        bundle: path,
        revision: '0.0.1',
        warnings: [
          `${path}: built by @xero-access/policies 0.0.1 (its manifest revision), not ${POLICIES_VERSION}, ` +
            `so its built-in checks are those of 0.0.1; rebuild it with \`xero-policies build\` of @xero-access/policies ${POLICIES_VERSION}`,
        ],
      }),
    ]);
    // It still evaluates: the warning is all.
    expect(await bundleInfo(metrics)).toEqual([
      { sha256: await sha256Of(path), revision: '0.0.1', source: path, value: 1 },
    ]);

    // This version's bundle: no warning.
    await copyFile(BUILT_POLICY_BUNDLE, path);
    await until(async () => (await bundleInfo(metrics))[0]?.revision === POLICIES_VERSION);
    expect(warnings()).toHaveLength(1);

    await writeFile(path, await bundleRevised('0.0.2'));
    await until(async () => warnings().length === 2);
    expect(warnings()[1]).toMatchObject({ revision: '0.0.2' });
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

import { copyFile, mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { canaryInputs } from './canary.js';
import { PolicyEvaluator } from './evaluator.js';
import type { PolicyInput } from './generated/policy-input.js';
import { HotReloadingEvaluator, type LoadedBundle, type ReloadFailure } from './hot-reload.js';
import { buildFresh, buildResultOnly } from './test/built-policy.js';
import { adviserCapReadingData } from './test/data-check.js';

const ADVISER_LIMIT = fileURLToPath(
  new URL('../examples/xeroaccess/checks/adviser-limit/', import.meta.url),
);

const advisers: PolicyInput = {
  now: '2026-11-22T00:00:00Z',
  connection: { namespace: 'finance', name: 'acme', criticalSystem: false },
  tenant: { tenantId: 't', tenantName: 'Acme' },
  users: [1, 2, 3].map((i) => ({
    userId: `a${i}`,
    email: `a${i}@firm.example`,
    firstName: null,
    lastName: null,
    organisationRole: 'FINANCIALADVISER',
    isSubscriber: false,
    updatedDateUtc: null,
  })),
  staff: [],
  accountLinks: [1, 2, 3].map((i) => ({
    userId: `a${i}`,
    nonHuman: true as const,
    justification: 'External firm',
  })),
};

const checksIn = (watcher: HotReloadingEvaluator) =>
  watcher.evaluate(advisers).findings.map((f) => f.check);

describe('HotReloadingEvaluator', () => {
  let standard: string;
  let extended: string;
  let dir: string;
  let watcher: HotReloadingEvaluator | undefined;

  beforeAll(async () => {
    [standard, extended] = (await Promise.all([buildFresh(), buildFresh([ADVISER_LIMIT])])).map(
      (b) => b.bundle,
    ) as [string, string];
  }, 60_000);

  afterEach(async () => {
    watcher?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function start(): Promise<{
    path: string;
    loaded: LoadedBundle[];
    failed: ReloadFailure[];
  }> {
    dir = await mkdtemp(join(tmpdir(), 'xao-reload-'));
    const path = join(dir, 'bundle.tar.gz');
    await copyFile(standard, path);
    watcher = await HotReloadingEvaluator.start(path, { intervalMs: 60_000 });
    const loaded: LoadedBundle[] = [];
    const failed: ReloadFailure[] = [];
    watcher.on('loaded', (b) => loaded.push(b));
    watcher.on('failed', (f) => failed.push(f));
    return { path, loaded, failed };
  }

  it('swaps in a changed bundle', async () => {
    const { path, loaded } = await start();
    const before = watcher!.loaded.sha256;
    expect(checksIn(watcher!)).toEqual([]);
    await copyFile(extended, path);
    await watcher!.checkNow();
    expect(loaded).toHaveLength(1);
    expect(watcher!.loaded.sha256).not.toBe(before);
    expect(checksIn(watcher!)).toEqual(['adviser-limit']);
  });

  // A custom bundle is not rebuilt by an upgrade: one from before xeroaccess/evaluation still loads.
  it('says why a bundle that loads may still be out of date, at start and on reload', async () => {
    const { path, loaded } = await start();
    expect(watcher!.loaded.warnings).toEqual([]);
    await copyFile(await buildResultOnly(), path);
    await watcher!.checkNow();
    expect(loaded).toHaveLength(1);
    expect(loaded[0]!.warnings).toEqual([
      expect.stringMatching(
        new RegExp(
          `^${path}: no entrypoint xeroaccess/evaluation .*; rebuild it with \`xero-policies build\``,
        ),
      ),
    ]);
    watcher!.close();
    watcher = await HotReloadingEvaluator.start(path, { intervalMs: 60_000 });
    expect(watcher.loaded.warnings).toEqual(loaded[0]!.warnings);
  });

  it('keeps the last good bundle when the new one is broken, and says why once', async () => {
    const { path, failed } = await start();
    const good = watcher!.loaded.sha256;
    await writeFile(path, Buffer.from([0x00, 0x61, 0x73, 0x6d, 1, 2, 3]));
    await watcher!.checkNow();
    await watcher!.checkNow();
    expect(failed).toHaveLength(1);
    expect(failed[0]!.error).toContain('cannot load the policy module');
    expect(watcher!.lastError).toEqual(failed[0]);
    expect(watcher!.loaded.sha256).toBe(good);
    expect(checksIn(watcher!)).toEqual([]);

    await copyFile(extended, path);
    await watcher!.checkNow();
    expect(watcher!.lastError).toBeUndefined();
    expect(checksIn(watcher!)).toEqual(['adviser-limit']);
  });

  it('refuses a bundle whose checks emit invalid findings', async () => {
    const { path, failed } = await start();
    const custom = await mkdtemp(join(tmpdir(), 'xao-bad-'));
    await writeFile(
      join(custom, 'check.rego'),
      'package xeroaccess.checks.broken\n\nfindings contains {"severity": "critical", "subject": {"kind": "user", "id": "u"}, "message": "m", "remediation": "r"}\n',
    );
    await copyFile((await buildFresh([custom])).bundle, path);
    await watcher!.checkNow();
    expect(failed[0]?.error).toContain(
      'output.findings[0].severity: must be one of high, medium, low (from check broken)',
    );
    expect(checksIn(watcher!)).toEqual([]);
    await rm(custom, { recursive: true, force: true });
  });

  it('refuses a bundle whose check gives a reevaluate_at that is no timestamp', async () => {
    const { path, failed } = await start();
    expect(watcher!.evaluateWithReevaluation(advisers).reevaluateAt).toBeNull();
    const custom = await mkdtemp(join(tmpdir(), 'xao-vague-'));
    await writeFile(
      join(custom, 'check.rego'),
      'package xeroaccess.checks.vague\n\nfindings := set()\n\nreevaluate_at contains "soon"\n',
    );
    await copyFile((await buildFresh([custom])).bundle, path);
    await watcher!.checkNow();
    expect(failed[0]?.error).toContain(
      'output.reevaluate_at: must be a set of RFC 3339 timestamps, e.g. "2026-11-22T00:00:00Z"; not "soon" (from check vague)',
    );
    expect(watcher!.evaluateWithReevaluation(advisers).reevaluateAt).toBeNull();
    await rm(custom, { recursive: true, force: true });
  });

  it('refuses a bundle whose check emits an invalid finding per user (the canary has users)', async () => {
    const { path, failed } = await start();
    const good = watcher!.loaded.sha256;
    const custom = await mkdtemp(join(tmpdir(), 'xao-per-user-'));
    await writeFile(
      join(custom, 'check.rego'),
      [
        'package xeroaccess.checks["per-user"]',
        '',
        'findings contains {"severity": "critical", "subject": {"kind": "user", "id": user.userId}, "message": "m", "remediation": "r"} if {',
        '\tsome user in input.users',
        '}',
        '',
      ].join('\n'),
    );
    await copyFile((await buildFresh([custom])).bundle, path);
    await watcher!.checkNow();
    expect(failed).toHaveLength(1);
    expect(failed[0]!.error).toContain(
      `${path}: the new policy fails on the canary input (examples/input.json): invalid policy output: `,
    );
    expect(failed[0]!.error).toContain(
      'severity: must be one of high, medium, low (from check per-user)',
    );
    expect(watcher!.lastError).toEqual(failed[0]);
    expect(watcher!.loaded.sha256).toBe(good);
    expect(checksIn(watcher!)).toEqual([]);
    await rm(custom, { recursive: true, force: true });
  });

  it('gives a reloaded bundle its data, so checks reading data files fire', async () => {
    const { path, loaded } = await start();
    const custom = await adviserCapReadingData(2);
    await copyFile((await buildFresh([custom])).bundle, path);
    await watcher!.checkNow();
    expect(loaded).toHaveLength(1);
    expect(checksIn(watcher!)).toEqual(['adviser-cap']);
    await rm(custom, { recursive: true, force: true });
  });

  it('reports a vanished file and keeps evaluating', async () => {
    const { path, failed } = await start();
    await rm(path);
    await watcher!.checkNow();
    await watcher!.checkNow();
    expect(failed).toHaveLength(1);
    expect(failed[0]!.error).toContain('cannot read the bundle');
    expect(checksIn(watcher!)).toEqual([]);
  });

  it('polls on its own', async () => {
    dir = await mkdtemp(join(tmpdir(), 'xao-reload-'));
    const path = join(dir, 'policy.tar.gz');
    await copyFile(standard, path);
    watcher = await HotReloadingEvaluator.start(path, { intervalMs: 20 });
    const reloaded = new Promise<LoadedBundle>((resolve) => watcher!.once('loaded', resolve));
    await copyFile(extended, path);
    await expect(reloaded).resolves.toMatchObject({ path });
  });

  it('follows a ConfigMap volume update (the kubelet swaps the ..data symlink)', async () => {
    dir = await mkdtemp(join(tmpdir(), 'xao-configmap-'));
    // The layout the kubelet writes: policy.wasm -> ..data/policy.wasm, ..data -> ..<timestamp>.
    await mkdir(join(dir, '..2026_11_22_00_00_00.1'));
    await copyFile(standard, join(dir, '..2026_11_22_00_00_00.1', 'policy.wasm'));
    await symlink('..2026_11_22_00_00_00.1', join(dir, '..data'));
    await symlink(join('..data', 'policy.wasm'), join(dir, 'policy.wasm'));
    watcher = await HotReloadingEvaluator.start(join(dir, 'policy.wasm'), { intervalMs: 60_000 });
    expect(checksIn(watcher)).toEqual([]);

    await mkdir(join(dir, '..2026_11_22_00_01_00.2'));
    await copyFile(extended, join(dir, '..2026_11_22_00_01_00.2', 'policy.wasm'));
    await symlink('..2026_11_22_00_01_00.2', join(dir, '..data_tmp'));
    await rename(join(dir, '..data_tmp'), join(dir, '..data'));
    await watcher.checkNow();
    expect(checksIn(watcher)).toEqual(['adviser-limit']);
  });
});

describe('the canary inputs a new bundle must evaluate', () => {
  it('make each of the four built-in checks fire', async () => {
    const evaluator = await PolicyEvaluator.fromFile((await buildFresh()).bundle);
    const fired = new Set(
      (await canaryInputs()).flatMap((input) =>
        evaluator.evaluate(input).findings.map((f) => f.check),
      ),
    );
    expect([...fired].sort()).toEqual([
      'critical-system-access-configured',
      'critical-system-access-valid',
      'offboarded-access-removed',
      'user-identified',
    ]);
  }, 60_000);
});

import { copyFile, mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { canaryInputs } from './canary.js';
import { PolicyEvaluator } from './evaluator.js';
import type { PolicyInput } from './generated/policy-input.js';
import {
  HotReloadingEvaluator,
  type HotReloadOptions,
  type LoadedBundle,
  type ReloadFailure,
} from './hot-reload.js';
import { buildFresh, buildResultOnly, buildWithout } from './test/built-policy.js';
import { regoFolder } from './test/check-folders.js';
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

  async function start(options: HotReloadOptions = {}): Promise<{
    path: string;
    loaded: LoadedBundle[];
    failed: ReloadFailure[];
  }> {
    dir = await mkdtemp(join(tmpdir(), 'xao-reload-'));
    const path = join(dir, 'bundle.tar.gz');
    await copyFile(standard, path);
    watcher = await HotReloadingEvaluator.start(path, { intervalMs: 60_000, ...options });
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

  // Its findings would all be resolved at the next sync, their accepted risks ended, and a
  // finding.resolved webhook sent for each.
  it('refuses a bundle without a built-in check, keeping the last good one', async () => {
    const { path, failed, loaded } = await start();
    const good = watcher!.loaded.sha256;
    await copyFile(await buildWithout(['offboarded-access-removed']), path);
    await watcher!.checkNow();
    expect(loaded).toEqual([]);
    expect(failed).toHaveLength(1);
    expect(failed[0]!.error).toBe(
      `${path}: the new policy reports nothing for the built-in check offboarded-access-removed on the ` +
        'canary input (examples/input.json), on which each of the four reports: the next sync would ' +
        'resolve every open finding of those checks and end their accepted risks. Build the bundle ' +
        'with `xero-policies build --include <your checks>`, which keeps the built-in checks',
    );
    expect(failed[0]!.retryAt).toBeUndefined();
    expect(watcher!.loaded.sha256).toBe(good);

    // main.rego and the lib alone: all four are named.
    await copyFile(
      await buildWithout([
        'critical-system-access-configured',
        'critical-system-access-valid',
        'offboarded-access-removed',
        'user-identified',
      ]),
      path,
    );
    await watcher!.checkNow();
    expect(failed[1]!.error).toContain(
      'nothing for the built-in checks critical-system-access-configured, critical-system-access-valid, offboarded-access-removed, user-identified on',
    );
    expect(watcher!.loaded.sha256).toBe(good);
  }, 60_000);

  it('stops a canary that loops, in a worker, without blocking this thread', async () => {
    const { path, failed, loaded } = await start({ canaryTimeoutMs: 1000 });
    const good = watcher!.loaded.sha256;
    const spin = await regoFolder({
      'xeroaccess/checks/spin/check.rego': [
        'package xeroaccess.checks.spin',
        '',
        'r := numbers.range(1, 20000)',
        '',
        // 400 million iterations that allocate nothing: about 10 s on a quiet machine.
        'findings contains {"severity": "low", "subject": {"kind": "connection", "id": "x"}, "message": "m", "remediation": "r"} if {',
        '	count([1 | some i in r; some j in r; i == j; i < 0]) > 0',
        '}',
        '',
      ].join('\n'),
    });
    await copyFile((await buildFresh([spin])).bundle, path);
    // The longest this thread went without running a timer while the bundle was tried.
    let last = performance.now();
    let longest = 0;
    const ticks = setInterval(() => {
      const now = performance.now();
      longest = Math.max(longest, now - last);
      last = now;
    }, 20);
    try {
      await watcher!.checkNow();
    } finally {
      clearInterval(ticks);
    }
    expect(loaded).toEqual([]);
    expect(failed[0]?.error).toBe(
      `${path}: the new policy did not finish evaluating the canary input (examples/input.json) within 1 s ` +
        '(POLICY_CANARY_TIMEOUT_MS), so it was stopped: a check loops or does far too much work',
    );
    expect(failed[0]!.retryAt).toBeUndefined();
    expect(longest).toBeLessThan(900);
    expect(watcher!.loaded.sha256).toBe(good);
    expect(checksIn(watcher!)).toEqual([]);

    // At start too: the reconciler says why and exits instead of hanging before it listens.
    await expect(HotReloadingEvaluator.start(path, { canaryTimeoutMs: 1000 })).rejects.toThrow(
      'did not finish evaluating the canary input (examples/input.json) within 1 s',
    );
    await rm(spin, { recursive: true, force: true });
  }, 60_000);

  it('refuses a bundle that grows past its WebAssembly memory limit, keeping the last good one', async () => {
    const { path, failed, loaded } = await start({ maxMemoryMiB: 32, canaryTimeoutMs: 30_000 });
    const good = watcher!.loaded.sha256;
    const hog = await regoFolder({
      'xeroaccess/checks/hog/check.rego': [
        'package xeroaccess.checks.hog',
        '',
        // About 50 MiB of WebAssembly memory.
        'findings contains {"severity": "low", "subject": {"kind": "connection", "id": "x"}, "message": "m", "remediation": "r"} if {',
        '	count([x | some x in numbers.range(1, 200000)]) < 0',
        '}',
        '',
      ].join('\n'),
    });
    await copyFile((await buildFresh([hog])).bundle, path);
    await watcher!.checkNow();
    expect(loaded).toEqual([]);
    expect(failed[0]?.error).toContain(
      `${path}: the new policy fails on the canary input (examples/input.json): ${path}: evaluation failed: ` +
        'the policy needs more than the 32 MiB of WebAssembly memory it may use (POLICY_MEMORY_MAX_MIB',
    );
    expect(watcher!.loaded.sha256).toBe(good);
    await rm(hog, { recursive: true, force: true });
  }, 60_000);

  it('tries a bundle again when loading it failed in a way that may pass', async () => {
    const { path, failed, loaded } = await start();
    await copyFile(extended, path);
    // The address space or memory short for a moment: WebAssembly.Memory cannot be allocated once.
    type MemoryClass = new (descriptor: unknown) => object;
    const wasm = (globalThis as unknown as { WebAssembly: { Memory: MemoryClass } }).WebAssembly;
    const Memory = wasm.Memory;
    let refusals = 1;
    wasm.Memory = function (descriptor: unknown) {
      if (refusals-- > 0) throw new RangeError('WebAssembly.Memory(): could not allocate memory');
      return new Memory(descriptor);
    } as unknown as MemoryClass;
    try {
      await watcher!.checkNow();
    } finally {
      wasm.Memory = Memory;
    }
    expect(failed).toHaveLength(1);
    expect(failed[0]!.error).toBe(
      `${path}: cannot load the policy module: WebAssembly.Memory(): could not allocate memory ` +
        '(this may pass: the same file is tried again, at growing intervals up to 5 minutes, until it loads or changes)',
    );
    // Tried again at twice the poll interval, then four times…, up to 5 minutes (or now: checkNow).
    expect(failed[0]!.retryAt!.getTime() - failed[0]!.at.getTime()).toBeGreaterThan(119_000);
    expect(failed[0]!.retryAt!.getTime() - failed[0]!.at.getTime()).toBeLessThanOrEqual(120_000);
    expect(checksIn(watcher!)).toEqual([]);

    await watcher!.checkNow();
    expect(loaded).toHaveLength(1);
    expect(watcher!.lastError).toBeUndefined();
    expect(checksIn(watcher!)).toEqual(['adviser-limit']);
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

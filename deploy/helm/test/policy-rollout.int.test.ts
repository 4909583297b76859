import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { findTool } from '@xero-access/local-cluster';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { kinds, kubectl, render } from './helm.js';

const NAMESPACE = 'policy-rollout';
const POLICIES = dirname(
  createRequire(import.meta.url).resolve('@xero-access/policies/package.json'),
);

interface Container {
  name: string;
  env?: { name: string; value?: string }[];
}

/** The reconciler's POLICY_BUNDLE_PATH as the chart renders it with these values. */
function bundlePathRendered(...sets: string[]): string | undefined {
  const deployment = kinds(render(...sets)).find(
    (o) => o.kind === 'Deployment' && o.metadata.name.endsWith('reconciler'),
  ) as unknown as { spec: { template: { spec: { containers: Container[] } } } } | undefined;
  const container = deployment?.spec.template.spec.containers.find((c) => c.name === 'reconciler');
  return container?.env?.find((e) => e.name === 'POLICY_BUNDLE_PATH')?.value;
}

/**
 * packages/policies/README.md's roll-out commands, on what `xero-policies build` writes for the
 * checks plus a custom one (the example adviser-limit): bundle.tar.gz, about 80 KB, fits a plain
 * `kubectl apply`; policy.wasm, about 200 KB (base64 makes it a third larger), needs
 * `--server-side`.
 */
describe('rolling out a policy bundle through a ConfigMap', () => {
  const kubeconfig = () => inject('kubeconfig');
  let dir: string;
  let bundle: Buffer;
  let wasm: Buffer;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'xao-policy-rollout-'));
    execFileSync(process.execPath, [
      join(POLICIES, 'dist', 'cli.js'),
      'build',
      '--include',
      join(POLICIES, 'examples', 'xeroaccess', 'checks', 'adviser-limit'),
      '--output',
      dir,
    ]);
    bundle = await readFile(join(dir, 'bundle.tar.gz'));
    wasm = await readFile(join(dir, 'policy.wasm'));
    execFileSync(findTool('kubectl'), ['--kubeconfig', kubeconfig(), 'apply', '-f', '-'], {
      input: kubectl(kubeconfig(), [
        'create',
        'namespace',
        NAMESPACE,
        '--dry-run=client',
        '-o',
        'yaml',
      ]),
    });
  }, 120_000);

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  function rollOut(
    configMap: string,
    key: string,
    applyArgs: string[],
  ): { ok: boolean; stderr: string } {
    const manifest = kubectl(kubeconfig(), [
      '-n',
      NAMESPACE,
      'create',
      'configmap',
      configMap,
      `--from-file=${key}=${join(dir, key)}`,
      '--dry-run=client',
      '-o',
      'yaml',
    ]);
    try {
      execFileSync(findTool('kubectl'), ['--kubeconfig', kubeconfig(), ...applyArgs], {
        input: manifest,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      return { ok: true, stderr: '' };
    } catch (error) {
      return { ok: false, stderr: String((error as { stderr?: Buffer }).stderr ?? error) };
    }
  }

  function stored(configMap: string, key: string): Buffer {
    const base64 = kubectl(kubeconfig(), [
      '-n',
      NAMESPACE,
      'get',
      'configmap',
      configMap,
      '-o',
      `jsonpath={.binaryData.${key.replace(/\./g, '\\.')}}`,
    ]);
    return Buffer.from(base64, 'base64');
  }

  it('the chart reads the bundle.tar.gz key of the ConfigMap by default', () => {
    const configMap = 'policyBundle.configMapName=xero-access-policies';
    expect(bundlePathRendered(configMap)).toBe('/policies/bundle.tar.gz');
    expect(bundlePathRendered(configMap, 'policyBundle.key=policy.wasm')).toBe(
      '/policies/policy.wasm',
    );
    expect(bundlePathRendered()).toBeUndefined();
  });

  it('bundle.tar.gz, as the README rolls it out, fits a plain kubectl apply, byte for byte', () => {
    expect(bundle.length).toBeLessThan(128 * 1024);
    expect(rollOut('xero-access-policies', 'bundle.tar.gz', ['apply', '-f', '-'])).toEqual({
      ok: true,
      stderr: '',
    });
    expect(stored('xero-access-policies', 'bundle.tar.gz').equals(bundle)).toBe(true);
  });

  it('a plain kubectl apply of policy.wasm is refused: its last-applied annotation outgrows 256 KiB', () => {
    expect(Math.ceil(wasm.length / 3) * 4).toBeGreaterThan(256 * 1024);
    const plain = rollOut('xero-access-policies-wasm', 'policy.wasm', ['apply', '-f', '-']);
    expect(plain.ok).toBe(false);
    expect(plain.stderr).toMatch(/Too long: may not be (more than|longer than) 262144/);
  });

  it('kubectl apply --server-side, as the README says for policy.wasm, stores it byte for byte', () => {
    expect(
      rollOut('xero-access-policies-wasm', 'policy.wasm', ['apply', '--server-side', '-f', '-']),
    ).toEqual({ ok: true, stderr: '' });
    expect(stored('xero-access-policies-wasm', 'policy.wasm').equals(wasm)).toBe(true);
  });
});

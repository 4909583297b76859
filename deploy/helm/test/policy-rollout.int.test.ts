import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findTool } from '@xero-access/local-cluster';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { kubectl } from './helm.js';

const NAMESPACE = 'policy-rollout';

/**
 * packages/policies/README.md's roll-out commands, on a file the size of a policy bundle with a
 * few custom checks (the built one is about 200 KB; base64 makes it a third larger).
 */
describe('rolling out a policy bundle through a ConfigMap', () => {
  const kubeconfig = () => inject('kubeconfig');
  let dir: string;
  let wasm: Buffer;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'xao-policy-rollout-'));
    wasm = randomBytes(240 * 1024);
    await writeFile(join(dir, 'policy.wasm'), wasm);
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
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  function rollOut(applyArgs: string[]): { ok: boolean; stderr: string } {
    const manifest = kubectl(kubeconfig(), [
      '-n',
      NAMESPACE,
      'create',
      'configmap',
      'xero-access-policies',
      `--from-file=policy.wasm=${join(dir, 'policy.wasm')}`,
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

  it('a plain kubectl apply is refused: its last-applied annotation outgrows 256 KiB', () => {
    const plain = rollOut(['apply', '-f', '-']);
    expect(plain.ok).toBe(false);
    expect(plain.stderr).toMatch(/Too long: may not be (more than|longer than) 262144/);
  });

  it('kubectl apply --server-side, as the README says, stores the bundle byte for byte', () => {
    expect(rollOut(['apply', '--server-side', '-f', '-'])).toEqual({ ok: true, stderr: '' });
    const stored = kubectl(kubeconfig(), [
      '-n',
      NAMESPACE,
      'get',
      'configmap',
      'xero-access-policies',
      '-o',
      'jsonpath={.binaryData.policy\\.wasm}',
    ]);
    expect(Buffer.from(stored, 'base64').equals(wasm)).toBe(true);
  });
});

import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { ENTRYPOINT, PolicyEvaluator } from './evaluator.js';
import type { PolicyInput } from './generated/policy-input.js';
import { runOpa } from './opa/opa-tool.js';
import { PolicyDocumentError } from './schema/validate.js';
import { buildFresh, buildResultOnly } from './test/built-policy.js';
import { realisticInput } from './test/generate-input.js';
import { readPolicyWasm } from './wasm/read-bundle.js';

const example = JSON.parse(
  await readFile(new URL('../examples/input.json', import.meta.url), 'utf8'),
) as PolicyInput;

describe('PolicyEvaluator', () => {
  let built: { bundle: string; wasm: string };
  let evaluator: PolicyEvaluator;

  beforeAll(async () => {
    built = await buildFresh();
    evaluator = await PolicyEvaluator.fromFile(built.wasm);
  }, 60_000);

  it('returns the output document, sorted by check then subject id', () => {
    const output = evaluator.evaluate(example);
    expect(output.findings.map((f) => [f.check, f.subject.id])).toEqual([
      ['critical-system-access-valid', '0f0e2a6c-1b7d-4c55-8a30-000000000002'],
      ['offboarded-access-removed', '0f0e2a6c-1b7d-4c55-8a30-000000000003'],
      ['user-identified', '0f0e2a6c-1b7d-4c55-8a30-000000000004'],
    ]);
    expect(Object.keys(output.findings[0]!)).toEqual([
      'check',
      'severity',
      'subject',
      'message',
      'remediation',
    ]);
  });

  it('loads the gzipped bundle as well as the bare module', async () => {
    const fromBundle = await PolicyEvaluator.fromFile(built.bundle);
    expect(fromBundle.evaluate(example)).toEqual(evaluator.evaluate(example));
  });

  it('refuses invalid input before evaluating, naming the field', () => {
    const bad = { ...example, connection: { ...example.connection, criticalSystem: 'yes' } };
    expect(() => evaluator.evaluate(bad)).toThrow(PolicyDocumentError);
    expect(() => evaluator.evaluate(bad)).toThrow(
      'input.connection.criticalSystem: must be boolean',
    );
  });

  it('validates the output of custom checks, naming the bad field', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'xao-bad-check-'));
    await writeFile(
      join(dir, 'check.rego'),
      [
        'package xeroaccess.checks["no-remediation"]',
        '',
        'findings contains {"severity": "low", "subject": {"kind": "connection", "id": "x/y"}, "message": "m"}',
        '',
      ].join('\n'),
    );
    const custom = await PolicyEvaluator.fromFile((await buildFresh([dir])).wasm);
    expect(() => custom.evaluate(example)).toThrow(
      'invalid policy output: output.findings[1].remediation: is required (from check no-remediation)',
    );
  });

  it('refuses a check that reports one subject twice, naming the check and the subject', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'xao-twice-'));
    await writeFile(
      join(dir, 'check.rego'),
      [
        'package xeroaccess.checks["role-review"]',
        '',
        'findings contains {"severity": "low", "subject": {"kind": "user", "id": user.userId}, "message": message, "remediation": "r"} if {',
        '\tsome user in input.users',
        '\tsome message in ["first", "second"]',
        '}',
        '',
      ].join('\n'),
    );
    const custom = await PolicyEvaluator.fromFile((await buildFresh([dir])).bundle);
    // Sorted: the two findings of other checks, then role-review's for user ...001 at 2 and 3.
    expect(() => custom.evaluate(example)).toThrow(
      'invalid policy output: output.findings[3]: check role-review reports user 0f0e2a6c-1b7d-4c55-8a30-000000000001 twice; one finding per check and subject',
    );
  });

  it('refuses a module without the xeroaccess/result entrypoint', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'xao-other-'));
    await writeFile(join(dir, 'p.rego'), 'package other\n\nallow := true\n');
    const run = await runOpa([
      'build',
      '-t',
      'wasm',
      '-e',
      'other/allow',
      '-o',
      join(dir, 'b.tar.gz'),
      dir,
    ]);
    expect(run.exitCode).toBe(0);
    await expect(PolicyEvaluator.fromFile(join(dir, 'b.tar.gz'))).rejects.toThrow(
      'no entrypoint xeroaccess/result (has other/allow)',
    );
  });

  it('refuses a file that is not a policy', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'xao-junk-'));
    await writeFile(join(dir, 'junk'), 'hello');
    await expect(PolicyEvaluator.fromFile(join(dir, 'junk'))).rejects.toThrow(
      'neither a WebAssembly module nor a gzipped OPA bundle',
    );
  });
});

describe('PolicyEvaluator with many findings', () => {
  it('sorts thousands of findings exactly as the Rego entrypoint does', async () => {
    const built = await buildFresh();
    const evaluator = await PolicyEvaluator.fromFile(built.wasm);
    // No staff directory yet: every live user is unidentified (the first sync before an import).
    const input = { ...realisticInput(3000), staff: [], accountLinks: [] };
    const rego = await loadPolicy(await readPolicyWasm(built.wasm));
    const [sortedInRego] = rego.evaluate(input, ENTRYPOINT) as [{ result: unknown }];
    const { findings } = evaluator.evaluateRaw(input) as { findings: unknown[] };
    expect(findings.length).toBeGreaterThan(2800);
    expect({ findings }).toEqual(sortedInRego.result);
  }, 60_000);

  it('still evaluates a bundle built with only the xeroaccess/result entrypoint', async () => {
    const old = await PolicyEvaluator.fromFile(await buildResultOnly());
    const current = await PolicyEvaluator.fromFile((await buildFresh()).wasm);
    expect(old.evaluate(example)).toEqual(current.evaluate(example));
    expect(old.evaluate(example).findings).toHaveLength(3);
  }, 60_000);
});

describe('PolicyEvaluator limits', () => {
  let wasm: string;
  beforeAll(async () => {
    wasm = (await buildFresh()).wasm;
  }, 60_000);

  // Without a maximum, WebAssembly memory grows until the container is OOM-killed (and never shrinks).
  it('fails an evaluation that needs more WebAssembly memory than its maximum, then goes on', async () => {
    const evaluator = await PolicyEvaluator.fromFile(wasm, { maxMemoryMiB: 16 });
    expect(evaluator.maxMemoryMiB).toBe(16);
    // About 5 MiB per 1,000 users.
    expect(() => evaluator.evaluate(realisticInput(5000))).toThrow(
      `${wasm}: evaluation failed: the policy needs more than the 16 MiB of WebAssembly memory it may use (POLICY_MEMORY_MAX_MIB, by default a quarter of the container's memory limit): `,
    );
    expect(evaluator.evaluate(example).findings).toHaveLength(3);
  }, 60_000);

  it('refuses an output larger than it reads, before parsing it', async () => {
    const evaluator = await PolicyEvaluator.fromFile(wasm, { maxOutputMiB: 1 });
    // No staff directory: a finding for each of about 4,800 users, about 1.7 MiB.
    const input = { ...realisticInput(5000), staff: [], accountLinks: [] };
    expect(() => evaluator.evaluate(input)).toThrow(
      /: evaluation failed: its output is 1\.\d MiB, more than the 1 MiB the evaluator reads \(maxOutputMiB\): a check reports far too much$/,
    );
    expect(evaluator.evaluate(example).findings).toHaveLength(3);
  }, 60_000);

  it('refuses limits out of range, naming the option', async () => {
    await expect(PolicyEvaluator.fromFile(wasm, { maxMemoryMiB: 8 })).rejects.toThrow(
      'maxMemoryMiB: must be a whole number of MiB from 16 to 4096, not "8"',
    );
  });
});

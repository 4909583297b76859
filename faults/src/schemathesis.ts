import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@xero-access/local-cluster';

export const SCHEMATHESIS_VERSION = '4.32.5';
const venv = () => join(repoRoot(), 'faults', '.venv');

/** schemathesis from PyPI in faults/.venv (git-ignored), installed on first use. */
export function schemathesisCli(): string {
  const st = join(venv(), 'bin', 'st');
  if (!existsSync(st)) {
    execFileSync('python3', ['-m', 'venv', venv()], { stdio: 'inherit' });
    execFileSync(
      join(venv(), 'bin', 'pip'),
      ['install', '--quiet', `schemathesis==${SCHEMATHESIS_VERSION}`],
      { stdio: 'inherit' },
    );
  }
  return st;
}

export interface FuzzResult {
  status: number;
  output: string;
}

/** `st run` against a served OpenAPI document; bounded by examples per operation and total time. */
export function fuzz(options: {
  schemaUrl: string;
  token: string;
  checks: string[];
  maxExamples: number;
  maxTimeSeconds: number;
  seed: number;
  /** e.g. `9/s`: under the API's own per-credential limit, so answers are not just 429s. */
  rateLimit: string;
  excludeOperationIds: string[];
}): FuzzResult {
  const result = spawnSync(
    schemathesisCli(),
    [
      'run',
      options.schemaUrl,
      '--header',
      `Authorization: Bearer ${options.token}`,
      '--checks',
      options.checks.join(','),
      '--max-examples',
      String(options.maxExamples),
      '--max-time',
      String(options.maxTimeSeconds),
      '--seed',
      String(options.seed),
      '--rate-limit',
      options.rateLimit,
      ...options.excludeOperationIds.flatMap((id) => ['--exclude-operation-id', id]),
      '--workers',
      '1',
      '--continue-on-failure',
      '--output-sanitize',
      'true',
    ],
    {
      encoding: 'utf8',
      timeout: (options.maxTimeSeconds + 60) * 1000,
      env: { ...process.env, NO_COLOR: '1' },
    },
  );
  return { status: result.status ?? -1, output: `${result.stdout}${result.stderr}` };
}

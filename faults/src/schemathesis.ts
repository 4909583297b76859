import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
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

/**
 * The checks that make "no 5xx and no response that breaks its schema": every status, media type,
 * documented header and body must be the documented one.
 */
export const CONFORMANCE_CHECKS = [
  'not_a_server_error',
  'status_code_conformance',
  'content_type_conformance',
  'response_headers_conformance',
  'response_schema_conformance',
];

export interface FuzzOptions {
  schemaUrl: string;
  token: string;
  checks: string[];
  maxExamples: number;
  maxTimeSeconds: number;
  seed: number;
  /** e.g. `9/s`: under the API's own per-credential limit, so answers are not just 429s. */
  rateLimit: string;
  excludeOperationIds?: string[];
  includePathRegex?: string;
  excludePathRegex?: string;
  /** Where schemathesis writes its JSON and NDJSON reports (read back for the summary). */
  reportDir: string;
}

export interface FuzzSummary {
  /** Operations tested. */
  operations: number;
  /** Test cases generated (a stateful case is a sequence of requests). */
  testCases: number;
  /** HTTP requests sent and answered. */
  requests: number;
  /** Unique failures per schemathesis failure kind, e.g. `ST101 Server error`. */
  failures: Record<string, number>;
  /** Answers per status code, over every request. */
  statuses: Record<string, number>;
}

export interface FuzzResult {
  status: number;
  output: string;
  summary: FuzzSummary;
}

/** `st run` against a served OpenAPI document; bounded by examples per operation and total time. */
export function fuzz(options: FuzzOptions): FuzzResult {
  mkdirSync(options.reportDir, { recursive: true });
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
      ...(options.excludeOperationIds ?? []).flatMap((id) => ['--exclude-operation-id', id]),
      ...(options.includePathRegex ? ['--include-path-regex', options.includePathRegex] : []),
      ...(options.excludePathRegex ? ['--exclude-path-regex', options.excludePathRegex] : []),
      '--workers',
      '1',
      '--continue-on-failure',
      '--output-sanitize',
      'true',
      '--report',
      'json,ndjson',
      '--report-json-path',
      join(options.reportDir, 'report.json'),
      '--report-ndjson-path',
      join(options.reportDir, 'events.ndjson'),
    ],
    {
      encoding: 'utf8',
      timeout: (options.maxTimeSeconds + 60) * 1000,
      env: { ...process.env, NO_COLOR: '1' },
    },
  );
  return {
    status: result.status ?? -1,
    output: `${result.stdout}${result.stderr}`,
    summary: readSummary(options.reportDir),
  };
}

interface JsonReport {
  operations: { tested: number };
  test_cases: { generated: number };
  failures: { code: string; title: string; count: number }[];
}
interface ScenarioEvent {
  ScenarioFinished?: {
    recorder: { interactions?: Record<string, { response?: { status_code: number } | null }> };
  };
}

/** The numbers of a run, from schemathesis' own JSON report and event stream. */
export function readSummary(reportDir: string): FuzzSummary {
  const files = readdirSync(reportDir);
  if (!files.includes('report.json') || !files.includes('events.ndjson'))
    throw new Error(`schemathesis wrote no report in ${reportDir}`);
  const report = JSON.parse(readFileSync(join(reportDir, 'report.json'), 'utf8')) as JsonReport;
  const statuses: Record<string, number> = {};
  let requests = 0;
  for (const line of readFileSync(join(reportDir, 'events.ndjson'), 'utf8').split('\n')) {
    if (!line.startsWith('{"ScenarioFinished"')) continue;
    const event = JSON.parse(line) as ScenarioEvent;
    for (const interaction of Object.values(event.ScenarioFinished?.recorder.interactions ?? {})) {
      const status = interaction.response?.status_code;
      if (status === undefined) continue;
      requests++;
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
  }
  return {
    operations: report.operations.tested,
    testCases: report.test_cases.generated,
    requests,
    failures: Object.fromEntries(report.failures.map((f) => [`${f.code} ${f.title}`, f.count])),
    statuses,
  };
}

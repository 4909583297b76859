import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One measured figure, set beside its baseline from the same run and its goal. */
export interface Figure {
  id: string;
  label: string;
  unit: string;
  value: number;
  baseline?: { label: string; value: number };
  goal?: { op: '<' | '<=' | '>' | '>='; value: number };
}

/** What each package's benchmark writes to bench/results/<benchmark>.json. */
export interface BenchResult {
  benchmark: string;
  title: string;
  ranAt: string;
  command: string;
  figures: Figure[];
  notes?: string[];
}

export function goalMet(figure: Figure): boolean | undefined {
  const { goal, value } = figure;
  if (!goal) return undefined;
  switch (goal.op) {
    case '<':
      return value < goal.value;
    case '<=':
      return value <= goal.value;
    case '>':
      return value > goal.value;
    case '>=':
      return value >= goal.value;
  }
}

/**
 * A result measured before this run started (`ranAt` earlier than `startedAt`): left over from an
 * earlier run, because this run's benchmark failed or wrote nothing. Without a start, none is.
 */
export function isStale(result: BenchResult, startedAt: Date | undefined): boolean {
  return startedAt !== undefined && !(Date.parse(result.ranAt) >= startedAt.getTime());
}

/** A results folder that cannot be listed (missing, not a folder): says which one. */
export class ResultsFolderError extends Error {
  constructor(
    readonly dir: string,
    cause: NodeJS.ErrnoException,
  ) {
    super(
      cause.code === 'ENOENT'
        ? `no results folder at ${dir}`
        : `cannot read the results folder ${dir}: ${cause.code ?? cause.message}`,
    );
    this.name = 'ResultsFolderError';
  }
}

/** Says what is wrong with a parsed result file (naming the field), or nothing when it is fine. */
export type ResultCheck = (value: unknown) => string | undefined;

function shown(value: unknown): string {
  if (value === undefined) return 'nothing';
  const json = JSON.stringify(value);
  return `${typeof value} ${json.length > 60 ? `${json.slice(0, 60)}…` : json}`;
}

/** What is wrong with `field` of `record` (`"<field>" must be <what>, got <value>`), if anything. */
export function needsField(
  record: Record<string, unknown>,
  field: string,
  ok: (value: unknown) => boolean,
  what: string,
): string | undefined {
  const value = record[field];
  return ok(value) ? undefined : `"${field}" must be ${what}, got ${shown(value)}`;
}

export const needsText = (record: Record<string, unknown>, field: string) =>
  needsField(record, field, (v) => typeof v === 'string' && v !== '', 'a non-empty string');

export const needsTimestamp = (record: Record<string, unknown>, field: string) =>
  needsField(
    record,
    field,
    (v) => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(v) && !Number.isNaN(Date.parse(v)),
    'an ISO 8601 timestamp',
  );

/**
 * Reads the JSON result files of a folder (`*.json` that `include` keeps), each checked by `check`.
 * A file that is not JSON or fails its check becomes a problem naming the file and what is wrong,
 * never a stack trace or a row that renders `undefined`; the other files are still read. A folder
 * that cannot be listed throws ResultsFolderError naming it. The one way the bench and fault
 * reports read their results.
 */
export function readResultFiles<T>(
  dir: string,
  check: ResultCheck,
  include: (file: string) => boolean = () => true,
): { results: T[]; problems: string[] } {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (error) {
    throw new ResultsFolderError(dir, error as NodeJS.ErrnoException);
  }
  const results: T[] = [];
  const problems: string[] = [];
  for (const file of names.filter((f) => f.endsWith('.json') && include(f)).sort()) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    } catch (error) {
      problems.push(`${file}: ${(error as Error).message}`);
      continue;
    }
    const problem =
      typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
        ? check(parsed)
        : `must be a JSON object, got ${shown(parsed)}`;
    if (problem) problems.push(`${file}: ${problem}`);
    else results.push(parsed as T);
  }
  return { results, problems };
}

function isFigure(f: unknown): f is Figure {
  const x = f as Figure;
  return (
    typeof x?.id === 'string' &&
    typeof x.label === 'string' &&
    typeof x.unit === 'string' &&
    Number.isFinite(x.value)
  );
}

function checkBenchResult(value: unknown): string | undefined {
  const result = value as Record<string, unknown>;
  if (typeof result.benchmark !== 'string' || !Array.isArray(result.figures))
    return 'needs "benchmark" (string) and "figures" (array)';
  const bad = result.figures.findIndex((f) => !isFigure(f));
  if (bad >= 0) return `figures[${bad}] needs id, label, unit and a finite value`;
  return (
    needsText(result, 'title') ?? needsText(result, 'command') ?? needsTimestamp(result, 'ranAt')
  );
}

/**
 * Reads every package's result file; a malformed one is reported, not silently dropped.
 * <benchmark>.details.json files hold a benchmark's raw measurements and <date>.json the reports
 * themselves: the report reads the summaries.
 */
export function readResults(dir: string): { results: BenchResult[]; problems: string[] } {
  return readResultFiles<BenchResult>(
    dir,
    checkBenchResult,
    (f) => !f.endsWith('.details.json') && !/^\d{4}-\d{2}-\d{2}/.test(f),
  );
}

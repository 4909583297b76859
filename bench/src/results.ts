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

function isFigure(f: unknown): f is Figure {
  const x = f as Figure;
  return (
    typeof x?.id === 'string' &&
    typeof x.label === 'string' &&
    typeof x.unit === 'string' &&
    Number.isFinite(x.value)
  );
}

/** Reads every package's result file; a malformed one is reported, not silently dropped. */
export function readResults(dir: string): { results: BenchResult[]; problems: string[] } {
  const results: BenchResult[] = [];
  const problems: string[] = [];
  // <benchmark>.details.json files hold a benchmark's raw measurements; the report reads the summaries.
  const files = readdirSync(dir).filter(
    (f) => f.endsWith('.json') && !f.endsWith('.details.json') && !/^\d{4}-\d{2}-\d{2}/.test(f),
  );
  for (const file of files.sort()) {
    try {
      const parsed = JSON.parse(readFileSync(join(dir, file), 'utf8')) as BenchResult;
      const bad = (parsed.figures ?? []).findIndex((f) => !isFigure(f));
      if (typeof parsed.benchmark !== 'string' || !Array.isArray(parsed.figures)) {
        problems.push(`${file}: needs "benchmark" (string) and "figures" (array)`);
      } else if (bad >= 0) {
        problems.push(`${file}: figures[${bad}] needs id, label, unit and a finite value`);
      } else {
        results.push(parsed);
      }
    } catch (error) {
      problems.push(`${file}: ${(error as Error).message}`);
    }
  }
  return { results, problems };
}

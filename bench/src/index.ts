import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchResult } from './results.js';

export {
  goalMet,
  isStale,
  needsField,
  needsText,
  needsTimestamp,
  readResultFiles,
  readResults,
  ResultsFolderError,
  type BenchResult,
  type Figure,
  type ResultCheck,
} from './results.js';

export const resultsDir =
  process.env.XAO_BENCH_RESULTS ?? fileURLToPath(new URL('../results', import.meta.url));

/** Each package's benchmark calls this once; `npm run bench` then builds the report from every file. */
export function writeBenchResult(result: BenchResult): string {
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `${result.benchmark}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  return file;
}

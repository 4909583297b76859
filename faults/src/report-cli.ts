import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readResults, resultsDir, ResultsFolderError } from '@xero-access/bench';
import { FAULT_RESULTS_DIR } from './record.js';
import { readFaultResults, renderFaultReport } from './report.js';

/** Every scenario of the suite, by the id it records: a missing one shows in the report. */
const EXPECTED = [
  'admin-api-fuzz',
  'apiserver-restart',
  'authorization-matrix',
  'hostile-credentials-secret',
  'hostile-crs-at-limits',
  'hostile-junk-token-secret',
  'hostile-malformed-xero',
  'postgres-outage',
  'reconciler-kill-refresh',
  'redis-outage',
  'sandbox-storm',
  'secret-scan',
];

/** Where the rows are read and the report written (another folder for the report's own tests). */
const dir = process.env.XAO_FAULT_RESULTS ?? FAULT_RESULTS_DIR;

function readOrExit<T>(read: () => T, otherwise: (error: ResultsFolderError) => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof ResultsFolderError) return otherwise(error);
    throw error;
  }
}

const { faults, problems } = readOrExit(
  () => readFaultResults(dir),
  (error) => {
    console.error(`faults report: ${error.message}: run \`npm run faults\` first`);
    process.exit(1);
  },
);
// The load rows come from the benchmarks: without them the report still says what the faults did.
const bench = readOrExit(
  () => readResults(resultsDir),
  (error) => ({ results: [], problems: [`${error.message}: no load rows`] }),
);
for (const problem of bench.problems) console.warn(`bench result skipped: ${problem}`);
for (const problem of problems) console.error(`faults report: unreadable: ${problem}`);
const file = join(dir, 'report.md');
writeFileSync(file, renderFaultReport(bench.results, faults, EXPECTED, problems));
console.log(
  `wrote ${file}: ${faults.length} scenarios, ${bench.results.length} benchmarks` +
    (problems.length ? `; ${problems.length} result files could not be read` : ''),
);
process.exitCode = problems.length ? 1 : 0;

import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readResults } from '@xero-access/bench';
import { repoRoot } from '@xero-access/local-cluster';
import { FAULT_RESULTS_DIR } from './record.js';
import { renderFaultReport, type RecordedFault } from './report.js';

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

const faults = readdirSync(FAULT_RESULTS_DIR)
  .filter((f) => f.endsWith('.json'))
  .map((f) => JSON.parse(readFileSync(join(FAULT_RESULTS_DIR, f), 'utf8')) as RecordedFault);
const { results, problems } = readResults(join(repoRoot(), 'bench', 'results'));
for (const problem of problems) console.warn(`bench result skipped: ${problem}`);
const file = join(FAULT_RESULTS_DIR, 'report.md');
writeFileSync(file, renderFaultReport(results, faults, EXPECTED));
console.log(`wrote ${file}: ${faults.length} scenarios, ${results.length} benchmarks`);

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repoRoot } from '@xero-access/local-cluster';

/** One row of the fault and abuse report: what was done to the product and what held. */
export interface FaultResult {
  /** Stable id, also the file name: `faults/results/<id>.json`. */
  id: string;
  kind: 'fault' | 'bad-input';
  /** Short name of the row, e.g. "PostgreSQL outage". */
  title: string;
  /** What was injected, with its size (how long, how many). */
  injected: string;
  /** What held, with the measured numbers. */
  held: string;
  /** Items of evidence or credentials lost (snapshots, findings, refresh tokens): must be 0. */
  dataLost: number;
  /** What was counted to know nothing was lost, e.g. "snapshots 2 → 3, findings 5 → 5 (same ids)". */
  dataChecked: string;
  /** The command that reproduces the row, from the repository root. */
  command: string;
}

export const FAULT_RESULTS_DIR = join(repoRoot(), 'faults', 'results');

/** Records a scenario that passed; call it after the scenario's last assertion. */
export async function recordFaultResult(result: FaultResult): Promise<void> {
  await mkdir(FAULT_RESULTS_DIR, { recursive: true });
  const file = join(FAULT_RESULTS_DIR, `${result.id}.json`);
  await writeFile(
    file,
    `${JSON.stringify({ ...result, ranAt: new Date().toISOString() }, null, 2)}\n`,
  );
}

/** `npm run faults -w @xero-access/faults -- test/<file>`: the command for one scenario file. */
export function faultCommand(testFile: string, env = ''): string {
  return `${env ? `${env} ` : ''}npm run faults -w @xero-access/faults -- test/${testFile}`;
}

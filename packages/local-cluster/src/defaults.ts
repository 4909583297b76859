import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './binaries.js';

/** The chart's `crds/` folder is the one place our CRDs live; tests and the CLI install from it. */
export function defaultCrdFiles(): string[] {
  const dir = join(repoRoot(), 'deploy', 'helm', 'xero-access-operator', 'crds');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => join(dir, f));
}

export function defaultClusterDir(): string {
  return process.env.XAO_CLUSTER_DIR ?? join(repoRoot(), '.local', 'cluster');
}

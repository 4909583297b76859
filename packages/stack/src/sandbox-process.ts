import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  isAlive,
  repoRoot,
  spawnLogged,
  spawnWatchdog,
  stopProcesses,
  waitFor,
} from '@xero-access/local-cluster';
import type { AppProcess } from './app-process.js';

/** What the sandbox CLI prints on its first stdout line (packages/xero-sandbox README). */
export interface SandboxInfo {
  url: string;
  identityUrl: string;
  loginUrl: string;
  apiUrl: string;
  adminUrl: string;
  apps: {
    name: string;
    clientId: string;
    clientSecret: string;
    kind: 'standard' | 'custom-connection';
    tenantId?: string;
  }[];
  tenants: { tenantId: string; name: string; userCount: number }[];
  grants: { grantId: string; clientId: string; tenantIds: string[]; refreshToken: string }[];
}

/** The Xero sandbox as its own process, as the demo and CI run it. */
export async function startSandboxProcess(
  logDir: string,
  args: string[] = [],
): Promise<{ process: AppProcess; info: SandboxInfo }> {
  const out = join(logDir, 'xero-sandbox.out');
  const child = spawnLogged(
    'xero-sandbox',
    process.execPath,
    [join(repoRoot(), 'packages/xero-sandbox/dist/cli.js'), '--port', '0', ...args],
    {
      logFile: out,
    },
  );
  spawnWatchdog(process.pid, [child.pid]);
  let info: SandboxInfo | undefined;
  await waitFor(
    'xero-sandbox',
    async () => {
      if (!isAlive(child.pid)) throw new Error(`xero-sandbox exited during start-up; see ${out}`);
      const first = readFileSync(out, 'utf8')
        .split('\n')
        .find((line) => line.startsWith('{'));
      if (first) info = JSON.parse(first) as SandboxInfo;
      return info !== undefined;
    },
    30_000,
  );
  return {
    info: info!,
    process: {
      name: 'xero-sandbox',
      pid: child.pid,
      logFile: out,
      stop: () => stopProcesses([child.pid]),
    },
  };
}

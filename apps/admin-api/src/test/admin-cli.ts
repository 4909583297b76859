import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

const cli = fileURLToPath(new URL('../cli.ts', import.meta.url));

/** Runs the admin-api CLI from its source in a process of its own, with this environment. */
export function runAdminCli(args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  return promisify(execFile)(process.execPath, ['--import', 'tsx', cli, ...args], {
    env,
    timeout: 60_000,
  }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({
      code: e.code,
      stdout: e.stdout,
      stderr: e.stderr,
    }),
  );
}

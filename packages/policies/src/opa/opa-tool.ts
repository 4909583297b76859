import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { findTool } from '@xero-access/local-cluster';

/** The package folder (holds policies/ and examples/), from src/opa or dist/opa alike. */
export const PACKAGE_DIR = fileURLToPath(new URL('../../', import.meta.url));

/** The four checks, their library and the entrypoint. */
export const POLICY_DIR = fileURLToPath(new URL('../../policies/', import.meta.url));

export interface OpaRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs the pinned opa binary (XAO_OPA, .tools/bin/opa, then PATH). Never throws on a non-zero exit. */
export function runOpa(
  args: string[],
  options: { cwd?: string; stdin?: string } = {},
): Promise<OpaRun> {
  return runTool('opa', args, options);
}

/**
 * Runs a pinned tool found as opa is (`regal`: XAO_REGAL, .tools/bin/regal, then PATH); throws
 * when it is not found or cannot start, never on a non-zero exit.
 */
export function runTool(
  name: 'opa' | 'regal',
  args: string[],
  options: { cwd?: string; stdin?: string } = {},
): Promise<OpaRun> {
  let tool: string;
  try {
    tool = findTool(name);
  } catch (error) {
    return Promise.reject(error as Error);
  }
  return new Promise((resolve, reject) => {
    const child = execFile(
      tool,
      args,
      { cwd: options.cwd ?? PACKAGE_DIR, maxBuffer: 512 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') {
          reject(new Error(`cannot run ${tool}: ${error.message}`));
          return;
        }
        resolve({ exitCode: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
      },
    );
    if (options.stdin !== undefined) child.stdin?.end(options.stdin);
  });
}

/** The Rego folders of a build: the checks plus any extra (custom) folders. */
export function policyRoots(include: readonly string[] = []): string[] {
  return [POLICY_DIR, ...include];
}

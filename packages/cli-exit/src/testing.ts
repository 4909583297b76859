import { execFile } from 'node:child_process';

/** What a CLI run answered: its exit code and what it printed. */
export interface CliRun {
  /** The exit code; 1 when it did not exit by itself (killed by a signal, or never started). */
  code: number;
  /** The signal that ended it, if one did. */
  signal?: NodeJS.Signals;
  stdout: string;
  stderr: string;
}

/**
 * For a CLI's tests: runs it from its TypeScript source (`node --import tsx <source> …args`, in
 * this process's working directory) and resolves with its exit code (0 only when it exited cleanly:
 * a run killed by a signal, or one that could not start, is 1, so it never passes for a success),
 * stdout and stderr. A non-zero exit resolves too, so a test can check the code, `EXIT_USAGE`
 * included.
 */
export function runCli(source: string, args: string[]): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', source, ...args],
      { encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (!error) return resolve({ code: 0, stdout, stderr });
        const code = typeof error.code === 'number' ? error.code : 1;
        resolve({ code, ...(error.signal ? { signal: error.signal } : {}), stdout, stderr });
      },
    );
  });
}

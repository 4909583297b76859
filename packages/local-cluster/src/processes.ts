import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';

export interface Spawned {
  name: string;
  pid: number;
  child: ChildProcess;
  logFile: string;
}

/** Starts a long-running process with its output in a log file (never in the parent's stdout). */
export function spawnLogged(
  name: string,
  command: string,
  args: string[],
  options: { logFile: string; detached?: boolean; env?: NodeJS.ProcessEnv },
): Spawned {
  const { logFile, detached = false, env = process.env } = options;
  const fd = openSync(logFile, 'a');
  const child = spawn(command, args, { stdio: ['ignore', fd, fd], detached, env });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`could not start ${name} (${command})`);
  if (detached) child.unref();
  return { name, pid: child.pid, child, logFile };
}

/**
 * A detached shell that outlives its owner: when the owner process dies (even by SIGKILL), it
 * stops the given processes, so a crashed test run leaves no etcd or kube-apiserver behind.
 */
export function spawnWatchdog(ownerPid: number, pids: number[]): number {
  const list = pids.join(' ');
  const script =
    `while kill -0 ${ownerPid} 2>/dev/null; do sleep 1; done; ` +
    `kill -TERM ${list} 2>/dev/null; sleep 5; kill -KILL ${list} 2>/dev/null; exit 0`;
  const child = spawn('sh', ['-c', script], { stdio: 'ignore', detached: true });
  child.unref();
  return child.pid ?? -1;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM, then SIGKILL after the grace period; resolves once every process is gone. */
export async function stopProcesses(pids: number[], graceMs = 10_000): Promise<void> {
  const living = () => pids.filter(isAlive);
  for (const pid of living()) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      /* already gone */
    }
  }
  const deadline = Date.now() + graceMs;
  while (living().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  for (const pid of living()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  while (living().length > 0) await new Promise((r) => setTimeout(r, 50));
}

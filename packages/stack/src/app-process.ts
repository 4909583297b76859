import { join } from 'node:path';
import {
  isAlive,
  probe,
  repoRoot,
  spawnLogged,
  spawnWatchdog,
  stopProcesses,
  waitFor,
} from '@xero-access/local-cluster';

export interface AppProcess {
  name: string;
  pid: number;
  logFile: string;
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
}

/**
 * Starts one of our Node.js apps as a real process (as in production: its own env, its own log
 * file), stopped with the owner even if the owner is killed, and waits until its health URL answers 200.
 */
export async function startApp(options: {
  name: string;
  script: string;
  args?: string[];
  env: Record<string, string>;
  logDir: string;
  healthUrl: string;
  timeoutMs?: number;
}): Promise<AppProcess> {
  const script = join(repoRoot(), options.script);
  const logFile = join(options.logDir, `${options.name}.log`);
  const child = spawnLogged(options.name, process.execPath, [script, ...(options.args ?? [])], {
    logFile,
    env: { ...process.env, ...options.env },
  });
  spawnWatchdog(process.pid, [child.pid]);
  await waitFor(
    `${options.name} (${options.healthUrl})`,
    async () => {
      if (!isAlive(child.pid))
        throw new Error(`${options.name} exited during start-up; see ${logFile}`);
      return (await probe(options.healthUrl)) === 200;
    },
    options.timeoutMs ?? 60_000,
    () => `see ${logFile}`,
  );
  return {
    name: options.name,
    pid: child.pid,
    logFile,
    stop: async (signal = 'SIGTERM') => {
      if (signal === 'SIGKILL' && isAlive(child.pid)) process.kill(child.pid, 'SIGKILL');
      await stopProcesses([child.pid]);
    },
  };
}

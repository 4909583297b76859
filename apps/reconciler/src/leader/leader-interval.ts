import type { SchedulerRegistry } from '@nestjs/schedule';
import { SHUTDOWN_RESERVE_MS } from '../operator/shutdown-budget.js';
import type { LeaderSweep } from './leader-sweep.js';

/** Runs `sweep` every `everyMs` from application bootstrap (a tick is skipped while one runs). */
export function registerLeaderInterval(
  scheduler: SchedulerRegistry,
  name: string,
  sweep: LeaderSweep<unknown>,
  everyMs: number,
): void {
  scheduler.addInterval(
    name,
    setInterval(() => void sweep.tick(), everyMs),
  );
}

/**
 * Shutdown: no new sweep, and the one running stops before its next batch; the database closes
 * once its batch is done, or after the one batch the shutdown budget keeps for it.
 */
export async function stopLeaderInterval(
  scheduler: SchedulerRegistry,
  name: string,
  sweep: LeaderSweep<unknown>,
): Promise<void> {
  if (scheduler.doesExist('interval', name)) scheduler.deleteInterval(name);
  await sweep.stop(SHUTDOWN_RESERVE_MS.leaderBatch);
}

import type {
  BeforeApplicationShutdown,
  FactoryProvider,
  InjectionToken,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CONFIG } from '../app/tokens.js';
import type { ReconcilerConfig } from '../config/config.js';
import { SHUTDOWN_RESERVE_MS } from '../operator/shutdown-budget.js';
import type { LeaderSweep } from './leader-sweep.js';

/** Runs `sweep` every `everyMs` from application bootstrap (a tick is skipped while one runs). */
export class LeaderInterval implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(
    private readonly scheduler: SchedulerRegistry,
    private readonly name: string,
    private readonly sweep: LeaderSweep<unknown>,
    private readonly everyMs: number,
  ) {}

  onApplicationBootstrap(): void {
    this.scheduler.addInterval(
      this.name,
      setInterval(() => void this.sweep.tick(), this.everyMs),
    );
  }

  /**
   * Shutdown: no new sweep, and the one running stops before its next batch; the database closes
   * once its batch is done, or after the one batch the shutdown budget keeps for it.
   */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.scheduler.doesExist('interval', this.name)) this.scheduler.deleteInterval(this.name);
    await this.sweep.stop(SHUTDOWN_RESERVE_MS.leaderBatch);
  }
}

/** A module's provider that runs the `scheduled` sweep of the provider `sweep` as a LeaderInterval. */
export function leaderInterval(options: {
  name: string;
  sweep: InjectionToken;
  everyMs: (config: ReconcilerConfig) => number;
}): FactoryProvider<LeaderInterval> {
  const { name, sweep, everyMs } = options;
  return {
    provide: Symbol(`LeaderInterval ${name}`),
    inject: [SchedulerRegistry, sweep, CONFIG],
    useFactory: (
      scheduler: SchedulerRegistry,
      owner: { readonly scheduled: LeaderSweep<unknown> },
      config: ReconcilerConfig,
    ) => new LeaderInterval(scheduler, name, owner.scheduled, everyMs(config)),
  };
}

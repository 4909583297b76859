import type { Clock } from '../config.js';
import type { FaultState } from '../faults/faults.js';
import type { SandboxStore } from '../state/store.js';
import type { StatsRecorder } from '../state/stats.js';
import type { RateLimiter } from './rate-limiter.js';

export interface ApiContext {
  store: SandboxStore;
  limiter: RateLimiter;
  faults: FaultState;
  stats: StatsRecorder;
  clock: Clock;
}

import type { Clock } from '../config.js';
import type { FaultState } from '../faults/faults.js';
import type { SandboxStore } from '../state/store.js';
import type { StatsRecorder } from '../state/stats.js';
import type { SigningKeys } from './keys.js';
import type { TokenIssuer } from './token-issuer.js';

export interface IdentityContext {
  store: SandboxStore;
  issuer: TokenIssuer;
  keys: SigningKeys;
  faults: FaultState;
  stats: StatsRecorder;
  clock: Clock;
  /** How long a rotated refresh token keeps answering with its successor's token set. */
  grantGraceMs: number;
  authCodeTtlMs: number;
  urls: { identity: string; login: string; api: string };
}

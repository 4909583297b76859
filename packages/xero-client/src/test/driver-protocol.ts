import { type XeroAppCredentials, type XeroEndpoints } from '../config.js';
import { type LimiterTuning, type XeroLimits } from '../limiter/config.js';

/** Offered load against GET Organisation, spread round-robin over tenants. */
export interface LoadJob {
  kind: 'load';
  /** `shared`: this client (Redis-shared limiter). `naive`: no limiter, retry after each 429. */
  mode: 'shared' | 'naive';
  endpoints: XeroEndpoints;
  credentials: XeroAppCredentials;
  accessToken: string;
  tenantIds: string[];
  redisUrl: string;
  keyPrefix: string;
  limits: Partial<XeroLimits>;
  tuning?: Partial<LimiterTuning>;
  /** Calls this process starts per second. */
  offeredPerSecond: number;
  durationMs: number;
}

export interface LoadResult {
  succeeded: number;
  /** When each successful call's response arrived (ms since epoch). */
  succeededAt: number[];
  /** 429 answers this process received. */
  rateLimited: number;
  /** Times the limiter logged that Redis did not answer and the in-memory share decided. */
  redisFallbacks: number;
  /** Calls still waiting for a slot when the run ended. */
  abandoned: number;
  failures: Record<string, number>;
}

/** Concurrent refreshes of one connection. */
export interface RefreshJob {
  kind: 'refresh';
  endpoints: XeroEndpoints;
  credentials: XeroAppCredentials;
  refreshToken: string;
  redisUrl: string;
  keyPrefix: string;
  connectionKey: string;
  callers: number;
}

export interface RefreshResult {
  accessTokens: string[];
  refreshTokens: (string | null)[];
  persisted: number;
  failures: string[];
}

export type DriverJob = LoadJob | RefreshJob;

export type ParentMessage = { type: 'job'; job: DriverJob } | { type: 'go' };
export type ChildMessage =
  | { type: 'ready' }
  | { type: 'done'; result: LoadResult | RefreshResult }
  | { type: 'error'; message: string };

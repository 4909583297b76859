import { classifyDatabaseOutage, type ModelOrm } from '@xero-access/model';
import type { Redis } from 'ioredis';

/**
 * The longest a dependency check waits for an answer: below the kubelet's default probe timeout
 * (1 s), so the report arrives even if someone points a probe at it.
 */
export const DEPENDENCY_CHECK_TIMEOUT_MS = 800;

export interface DependencyCheck {
  name: 'database' | 'redis';
  ok: boolean;
  /** What is wrong, when not ok: a state or an error code, never a message, host or credential. */
  detail?: string;
}

export interface DependencyReport {
  status: 'ok' | 'degraded';
  checks: DependencyCheck[];
}

/** Asks the database and Redis at once, each bounded by `timeoutMs`. */
export async function checkDependencies(
  model: ModelOrm,
  redis: Redis,
  timeoutMs = DEPENDENCY_CHECK_TIMEOUT_MS,
): Promise<DependencyReport> {
  const checks = await Promise.all([
    bounded('database', timeoutMs, () => databaseProblem(model)),
    bounded('redis', timeoutMs, () => redisProblem(redis)),
  ]);
  return { status: checks.every((c) => c.ok) ? 'ok' : 'degraded', checks };
}

async function databaseProblem(model: ModelOrm): Promise<string | undefined> {
  const result = await model.orm.em.getConnection().checkConnection();
  if (result.ok) return undefined;
  const outage = classifyDatabaseOutage(result.error);
  if (outage) return `${outage.kind === 'busy' ? 'busy' : 'unavailable'} (${outage.cause})`;
  return failure(result.error);
}

async function redisProblem(redis: Redis): Promise<string | undefined> {
  // Not queued behind a reconnect: the client's own state already says it is down.
  if (redis.status !== 'ready') return `not connected (${redis.status})`;
  const answer = await redis.ping();
  return answer === 'PONG' ? undefined : 'unexpected answer to PING';
}

async function bounded(
  name: DependencyCheck['name'],
  timeoutMs: number,
  problem: () => Promise<string | undefined>,
): Promise<DependencyCheck> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no answer within ${timeoutMs} ms`), timeoutMs);
  });
  try {
    const detail = await Promise.race([problem().catch(failure), timedOut]);
    return detail === undefined ? { name, ok: true } : { name, ok: false, detail };
  } finally {
    clearTimeout(timer);
  }
}

/** An error's code (pg's SQLSTATE, a socket code) or its type: its message may hold hosts or SQL. */
function failure(error: unknown): string {
  const { code, name } = (error ?? {}) as { code?: unknown; name?: unknown };
  if (typeof code === 'string' || typeof code === 'number') return `failed (${code})`;
  return typeof name === 'string' && name ? `failed (${name})` : 'failed';
}

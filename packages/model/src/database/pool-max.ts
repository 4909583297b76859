import { z } from 'zod';

/** PostgreSQL connections a process opens at most unless told (`poolMax`, DATABASE_POOL_MAX). */
export const DEFAULT_POOL_MAX = 10;
/** More than this per process is a typo, or a budget that belongs in a connection pooler. */
export const MAX_POOL_MAX = 100;

const POOL_MAX_RULE = `must be a whole number of connections from 1 to ${MAX_POOL_MAX}`;

/** What is wrong with `n` as a pool size (DATABASE_POOL_MAX, `poolMax`), or null when nothing. */
export function poolMaxProblem(n: number): string | null {
  return Number.isInteger(n) && n >= 1 && n <= MAX_POOL_MAX ? null : POOL_MAX_RULE;
}

/**
 * DATABASE_POOL_MAX: the PostgreSQL connections one process (a pod of either app) opens at most,
 * DEFAULT_POOL_MAX unless set. SQLite has one connection whatever it says.
 */
export const databasePoolMax = z
  .string()
  .regex(/^\d+$/, POOL_MAX_RULE)
  .transform(Number)
  .superRefine((n, ctx) => {
    const problem = poolMaxProblem(n);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .default(DEFAULT_POOL_MAX);

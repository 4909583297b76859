import { z } from 'zod';

/** PostgreSQL connections a process opens at most unless told (`poolMax`, DATABASE_POOL_MAX). */
export const DEFAULT_POOL_MAX = 10;
/** More than this per process is a typo, or a budget that belongs in a connection pooler. */
export const MAX_POOL_MAX = 100;

/**
 * DATABASE_POOL_MAX: the PostgreSQL connections one process (a pod of either app) opens at most,
 * DEFAULT_POOL_MAX unless set. SQLite has one connection whatever it says.
 */
export const databasePoolMax = z
  .string()
  .regex(/^\d+$/, `must be a whole number of connections from 1 to ${MAX_POOL_MAX}`)
  .transform(Number)
  .refine(
    (n) => n >= 1 && n <= MAX_POOL_MAX,
    `must be a whole number of connections from 1 to ${MAX_POOL_MAX}`,
  )
  .default(DEFAULT_POOL_MAX);

import { Redis } from 'ioredis';
import pg from 'pg';
import { serviceUrls } from './env.js';

const HINT = 'run `npm run services:up` (or `npm test`, which starts them)';

/** Fails fast, with what to do, when Redis or PostgreSQL is not answering. */
export async function checkServices(): Promise<void> {
  const redis = new Redis(serviceUrls.redis, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    throw new Error(
      `Redis is not answering at ${serviceUrls.redis} (${(error as Error).message}); ${HINT}`,
    );
  } finally {
    redis.disconnect();
  }
  const client = new pg.Client({
    connectionString: serviceUrls.postgres,
    connectionTimeoutMillis: 3000,
  });
  try {
    await client.connect();
    await client.query('select 1');
  } catch (error) {
    throw new Error(
      `PostgreSQL is not answering at ${redact(serviceUrls.postgres)} (${(error as Error).message}); ${HINT}`,
    );
  } finally {
    await client.end().catch(() => {});
  }
}

export function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { serviceUrls } from './env.js';

/** A short random name, safe for Kubernetes names, Redis keys and PostgreSQL identifiers. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/** A Redis key prefix no other test file uses. */
export function redisTestPrefix(prefix = 'test'): string {
  return `${uniqueName(prefix)}:`;
}

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** A fresh PostgreSQL database for one test file; drop it in afterAll. */
export async function createTestDatabase(prefix = 't'): Promise<TestDatabase> {
  const name = uniqueName(prefix).replace(/-/g, '_');
  const admin = new pg.Client({ connectionString: serviceUrls.postgres });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(serviceUrls.postgres);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      const c = new pg.Client({ connectionString: serviceUrls.postgres });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

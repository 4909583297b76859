import { execFileSync } from 'node:child_process';
import { findTool } from '@xero-access/local-cluster';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { serviceUrls } from './env.js';
import { createTestDatabase, redisTestPrefix } from './isolation.js';

describe('services', () => {
  const redis = new Redis(serviceUrls.redis);
  afterAll(() => redis.quit());

  it('reaches Redis, with a key prefix of its own', async () => {
    const prefix = redisTestPrefix();
    await redis.set(`${prefix}k`, 'v', 'EX', 60);
    expect(await redis.get(`${prefix}k`)).toBe('v');
    expect(prefix).not.toBe(redisTestPrefix());
  });

  it('reaches PostgreSQL in a database of its own, and drops it', async () => {
    const db = await createTestDatabase();
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const { rows } = await client.query<{ db: string }>('select current_database() as db');
    await client.end();
    expect(rows[0]?.db).toBe(db.name);
    await db.drop();
    const admin = new pg.Client({ connectionString: serviceUrls.postgres });
    await admin.connect();
    const left = await admin.query('select 1 from pg_database where datname = $1', [db.name]);
    await admin.end();
    expect(left.rowCount).toBe(0);
  });
});

describe('pinned tools', () => {
  const version = (tool: Parameters<typeof findTool>[0], ...args: string[]) =>
    execFileSync(findTool(tool), args, { encoding: 'utf8' });

  it('runs opa, helm and kubeconform from the tools folder', () => {
    expect(version('opa', 'version')).toMatch(/Version: 1\.22\.2/);
    expect(version('helm', 'version', '--short')).toMatch(/^v3\.22\.0/);
    expect(version('kubeconform', '-v')).toMatch(/0\.8\.0/);
  });

  it('runs the control plane binaries at the pinned versions', () => {
    expect(version('kube-apiserver', '--version')).toMatch(/Kubernetes v1\.37\.2/);
    expect(version('etcd', '--version')).toMatch(/etcd Version: 3\.7\.3/);
  });
});

import { isAlive } from '@xero-access/local-cluster';
import { condition } from '@xero-access/stack';
import { createTestDatabase, type TestDatabase } from '@xero-access/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultStack, type FaultStack } from '../src/fault-stack.js';
import { ensurePostgresRunning, evidence, stopPostgres } from '../src/postgres-service.js';
import { SandboxAdmin } from '../src/sandbox-admin.js';
import { getXeroConnection, requestSync } from '../src/xero-connections.js';

const ACME_TENANT = '7a3e5f52-4b51-4c6a-9d1e-0f5b2c3a8e01';
const LIAM_PATEL = '11111111-1111-4111-8111-000000000002';

/** PostgreSQL stops while the product runs on it: say so, lose nothing, catch up afterwards. */
describe('PostgreSQL outage', () => {
  let fs: FaultStack;
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase('faults');
    fs = await startFaultStack('postgres', { databaseUrl: db.url });
  });
  afterAll(async () => {
    await ensurePostgresRunning(db.url);
    await fs?.stack.stop();
    await db?.drop();
  });

  it('reports the outage in the Ready condition, keeps every snapshot and finding, and catches up', async () => {
    const { stack } = fs;
    const before = await evidence(db.url);
    expect(before.snapshots.length).toBeGreaterThan(0);
    expect(before.findings.size).toBeGreaterThan(0);

    let during = '';
    const outageStarted = Date.now();
    try {
      stopPostgres();
      // A change in Xero and a sync request while the database is down.
      await new SandboxAdmin(stack.sandbox.adminUrl).removeUser(ACME_TENANT, LIAM_PATEL);
      await requestSync(stack.kc, 'finance', 'acme');
      await expect
        .poll(
          async () =>
            condition(await getXeroConnection(stack.kc, 'finance', 'acme'), 'Ready')?.status,
          { timeout: 60_000, interval: 500 },
        )
        .toBe('False');
      const ready = condition(await getXeroConnection(stack.kc, 'finance', 'acme'), 'Ready')!;
      during = `${ready.reason}: ${ready.message}`;
      console.log(`Ready during the outage: ${during}`);
      expect(isAlive(stack.processes.reconciler.pid)).toBe(true);
    } finally {
      await ensurePostgresRunning(db.url);
      console.log(`PostgreSQL outage: ${((Date.now() - outageStarted) / 1000).toFixed(1)} s`);
    }
    // Explains itself, without a stack trace or a secret.
    expect(during).toMatch(/database|postgres|ECONNREFUSED|connect/i);
    expect(during).not.toMatch(/\n\s+at /);

    const caughtUpAt = Date.now();
    await expect
      .poll(
        async () => {
          const xc = await getXeroConnection(stack.kc, 'finance', 'acme');
          return `${condition(xc, 'Ready')?.status} ${xc.status?.userCount}`;
        },
        { timeout: 120_000, interval: 1000 },
      )
      .toBe('True 7');
    console.log(
      `caught up ${((Date.now() - caughtUpAt) / 1000).toFixed(1)} s after PostgreSQL returned`,
    );

    const after = await evidence(db.url);
    expect(after.snapshots).toEqual(expect.arrayContaining(before.snapshots));
    expect(after.snapshots.length).toBeGreaterThan(before.snapshots.length);
    for (const id of before.findings.keys())
      expect(after.findings.has(id), `finding ${id} kept`).toBe(true);
    console.log(
      `snapshots ${before.snapshots.length} -> ${after.snapshots.length}, findings ${before.findings.size} -> ${after.findings.size}`,
    );
    expect(isAlive(stack.processes.reconciler.pid)).toBe(true);
  });
});

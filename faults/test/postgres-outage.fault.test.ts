import { isAlive } from '@xero-access/local-cluster';
import { condition } from '@xero-access/stack';
import { createTestDatabase, type TestDatabase } from '@xero-access/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultStack, type FaultStack } from '../src/fault-stack.js';
import { ensurePostgresRunning, evidence, stopPostgres } from '../src/postgres-service.js';
import { expectNothingLost } from '../src/evidence.js';
import { faultCommand, recordFaultResult } from '../src/record.js';
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

  it('reports the outage as DatabaseUnavailable, keeps every snapshot and finding, and catches up', async () => {
    const { stack } = fs;
    const before = await evidence(db.url);
    expect(before.snapshots.length).toBeGreaterThan(0);
    expect(before.findings.size).toBeGreaterThan(0);

    let during = '';
    let duringReason = '';
    let duringMessage = '';
    let outageSeconds = 0;
    let restartedAt = 0;
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
      duringReason = ready.reason;
      duringMessage = ready.message;
      during = `${ready.reason}: ${ready.message}`;
      console.log(`Ready during the outage: ${during}`);
      expect(isAlive(stack.processes.reconciler.pid)).toBe(true);
    } finally {
      restartedAt = Date.now();
      await ensurePostgresRunning(db.url);
      outageSeconds = (Date.now() - outageStarted) / 1000;
      console.log(`PostgreSQL outage: ${outageSeconds.toFixed(1)} s`);
    }
    // Its own reason, saying where to look (host and port, no credentials), that it retries and
    // that nothing is lost; no stack trace.
    expect(during).toMatch(/^DatabaseUnavailable: /);
    expect(during).toContain('PostgreSQL at 127.0.0.1:5432');
    expect(during).toMatch(/retried automatically/);
    expect(during).toMatch(/Nothing is lost/);
    expect(during).not.toContain(new URL(db.url).password);
    expect(during).not.toMatch(/\n\s+at /);

    await expect
      .poll(
        async () => {
          const xc = await getXeroConnection(stack.kc, 'finance', 'acme');
          return `${condition(xc, 'Ready')?.status} ${xc.status?.userCount}`;
        },
        { timeout: 120_000, interval: 250 },
      )
      .toBe('True 7');
    const caughtUpSeconds = (Date.now() - restartedAt) / 1000;
    console.log(`caught up ${caughtUpSeconds.toFixed(1)} s after PostgreSQL was started again`);

    const after = await evidence(db.url);
    const kept = expectNothingLost(before, after);
    expect(after.snapshots.length).toBeGreaterThan(before.snapshots.length);
    expect(isAlive(stack.processes.reconciler.pid)).toBe(true);

    await recordFaultResult({
      id: 'postgres-outage',
      kind: 'fault',
      title: 'PostgreSQL outage',
      injected: `pg_ctlcluster 15 main stop -m fast for ${outageSeconds.toFixed(1)} s while the stack runs on PostgreSQL; a user removed in Xero and a sync requested during the outage`,
      held: `Ready=False, reason ${duringReason} ("${duringMessage}"); reconciler kept running; Ready=True with userCount 7 and one more snapshot ${caughtUpSeconds.toFixed(1)} s after PostgreSQL was started again`,
      ...kept,
      command: faultCommand('postgres-outage.fault.test.ts'),
    });
  });
});

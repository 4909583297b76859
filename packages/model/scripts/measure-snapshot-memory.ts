/**
 * Measures recording a snapshot of a large tenant with a small heap:
 *   npx tsx scripts/measure-snapshot-memory.ts [users=100000] [heapMiB=256]
 * On PostgreSQL (a scratch database, dropped afterwards) and SQLite (a scratch file), three cases,
 * each seeded by one process and recorded by another started with --max-old-space-size=heapMiB:
 * `first` (the tenant's first snapshot: everyone a joiner), `steady` (the same users again: the
 * hourly sync of a stable tenant) and `changed` (one role changed: a new content, and the previous
 * users read for the diff). Prints time and peak heap, or that the heap ran out.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestDatabase } from '@xero-access/testing';
import { createOrm } from '../src/orm/create-orm.js';

const CASES = ['first', 'steady', 'changed'] as const;
type Case = (typeof CASES)[number];
const ref = { namespace: 'finance', name: 'acme' };
const tenant = { tenantId: 't1', tenantName: 'Acme' };

if (process.argv[2] === '--seed' || process.argv[2] === '--record') {
  const [step, url, count, which] = process.argv.slice(2) as [string, string, string, Case];
  if (step === '--seed') await seed(url, Number(count), which);
  else await record(url, Number(count), which);
} else {
  await main(Number(process.argv[2] ?? 100_000), Number(process.argv[3] ?? 256));
}

/** Xero's users as the reconciler holds them after a sync; `changed` gives one another role. */
function usersOf(count: number, changed: boolean) {
  return Array.from({ length: count }, (_, i) => ({
    userId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    email: `user${i}@example.com`,
    firstName: 'F',
    lastName: 'L',
    organisationRole: changed && i === 5 ? 'ADVISER' : 'STANDARD',
  }));
}

async function main(users: number, heapMiB: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'xao-snapshot-memory-'));
  try {
    for (const dialect of ['postgresql', 'sqlite'] as const) {
      for (const which of CASES) {
        const db = dialect === 'postgresql' ? await createTestDatabase('bench') : null;
        const url = db?.url ?? `sqlite://${join(dir, `${which}.db`)}`;
        try {
          run(['--seed', url, String(users), which], []);
          const child = run(
            ['--record', url, String(users), which],
            [`--max-old-space-size=${heapMiB}`, '--expose-gc'],
          );
          const outOfMemory = /heap out of memory/.test(child.stderr);
          console.log(
            `${dialect} ${which}, ${users} users, ${heapMiB} MiB heap: ${
              child.status === 0
                ? child.stdout.trim()
                : `failed (${outOfMemory ? 'out of memory' : `exit ${child.status ?? child.signal}`})`
            }`,
          );
        } finally {
          await db?.drop();
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function run(args: string[], nodeArgs: string[]) {
  const script = fileURLToPath(import.meta.url);
  const child = spawnSync(process.execPath, [...nodeArgs, '--import', 'tsx', script, ...args], {
    encoding: 'utf8',
  });
  if (args[0] === '--seed' && child.status !== 0)
    throw new Error(`seeding failed: ${child.stderr}`);
  return child;
}

/** A migrated database; but for `first`, with the tenant's snapshot of the same users. */
async function seed(url: string, count: number, which: Case): Promise<void> {
  const model = await createOrm({ url, migrate: true });
  if (which !== 'first')
    await model.db.snapshots.record(ref, tenant, usersOf(count, false), new Date('2026-12-01'));
  await model.close();
}

async function record(url: string, count: number, which: Case): Promise<void> {
  const model = await createOrm({ url });
  const users = usersOf(count, which === 'changed');
  global.gc?.();
  let peakHeap = 0;
  const sample = () => (peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed));
  const sampling = setInterval(sample, 2);
  const started = performance.now();
  await model.db.snapshots.record(ref, tenant, users, new Date('2026-12-01T01:00:00Z'));
  sample();
  clearInterval(sampling);
  const ms = performance.now() - started;
  console.log(`${(ms / 1000).toFixed(1)} s, peak heap ${(peakHeap / 2 ** 20).toFixed(0)} MiB`);
  await model.close();
}

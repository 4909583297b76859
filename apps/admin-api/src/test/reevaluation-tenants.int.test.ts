import type { SnapshotUserInput } from '@xero-access/model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, startHarness, type Harness } from './harness.js';

const GROUP = { namespace: 'finance', name: 'group' };
const tenantNo = (i: number) => ({
  tenantId: `tenant-${String(i).padStart(3, '0')}`,
  tenantName: `Organisation ${i}`,
});
const user = (userId: string, email: string): SnapshotUserInput => ({
  userId,
  email,
  firstName: userId,
  lastName: 'Tester',
  organisationRole: 'STANDARD',
});

describe.each(DIALECTS)('re-evaluation across many tenants on $dialect', ({ dialect }) => {
  let h: Harness;
  let noraId: string;
  beforeAll(async () => {
    h = await startHarness(dialect);
    // One grant over 150 organisations: Nora is only in the first synced, 149 syncs ago.
    const start = Date.parse('2026-11-20T00:00:00Z');
    await h.model.db.snapshots.record(
      GROUP,
      tenantNo(0),
      [user('u-nora', 'Nora.Quinn@acme.example')],
      new Date(start),
    );
    for (let i = 1; i < 150; i++)
      await h.model.db.snapshots.record(
        GROUP,
        tenantNo(i),
        [user(`u-${i}`, `user-${i}@acme.example`)],
        new Date(start + i * 60_000),
      );
    noraId = (
      await h.model.db.staff.create({ email: 'nora.quinn@acme.example', name: 'Nora Quinn' })
    ).id;
  });
  afterAll(async () => h?.close());

  /** `PATCH /staff/:id` with `status`: its answer and the statements the database was sent. */
  async function setStatus(status: 'active' | 'offboarded') {
    const knex = h.model.orm.em.getConnection().getKnex();
    let statements = 0;
    const count = () => statements++;
    knex.on('query', count);
    try {
      const response = await h.call('PATCH', `/staff/${noraId}`, {
        token: h.tokens.admin,
        body: { status },
      });
      expect(response.statusCode).toBe(200);
      return { reevaluated: response.json().reevaluated as string[], statements };
    } finally {
      knex.off('query', count);
    }
  }

  it('re-evaluates a connection whose only snapshot of the person is its first-synced tenant', async () => {
    expect((await setStatus('offboarded')).reevaluated).toEqual(['finance/group']);
  });

  it('asks the database as often with 20 more connections holding the person', async () => {
    const before = await setStatus('active');
    for (let i = 0; i < 20; i++)
      await h.model.db.snapshots.record(
        { namespace: 'finance', name: `subsidiary-${i}` },
        tenantNo(0),
        [user('u-nora', 'nora.quinn@acme.example')],
        new Date('2026-11-21T00:00:00Z'),
      );
    const after = await setStatus('offboarded');
    expect(after.statements).toBe(before.statements);
    expect(after.reevaluated).toHaveLength(21);
  });
});

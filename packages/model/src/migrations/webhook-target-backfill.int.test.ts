import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebhookDelivery } from '../entities/webhook-delivery.js';
import { newId } from '../ids.js';
import { redactWebhookTarget } from '../services/webhooks.js';
import { testDrivers, type TestModel } from '../test/drivers.js';
import { at } from '../test/fixtures.js';
import { postgresqlMigrations } from './postgresql/index.js';
import { redactStoredWebhookTargets } from './webhook-target-backfill.js';

/** The last migration before the backfill redacted webhook targets. */
const BEFORE = 'Migration20261207120500_open_review_unique';
const AFTER_BEFORE = postgresqlMigrations
  .map((m) => m.name)
  .slice(postgresqlMigrations.findIndex((m) => m.name === BEFORE) + 1);

describe.each(testDrivers)('the webhook target backfill on $dialect', (driver) => {
  let t: TestModel;
  beforeAll(async () => {
    t = await driver.create({ migrate: false });
    await t.model.orm.getMigrator().up({ to: BEFORE });
  });
  afterAll(async () => t?.dispose());

  /** Deliveries as a version before redaction stored them: the target as given. Their ids. */
  async function storeInFull(...rows: [eventId: string, target: string][]): Promise<string[]> {
    const em = t.model.orm.em.fork();
    const stored = rows.map(([eventId, target]) =>
      em.create(WebhookDelivery, {
        id: newId(),
        eventType: 'finding.opened',
        eventId,
        target,
        payload: {},
        status: 'pending',
        attempts: 0,
        nextAttemptAt: at('2026-11-01T00:00:00Z'),
        createdAt: at('2026-11-01T00:00:00Z'),
        updatedAt: at('2026-11-01T00:00:00Z'),
      }),
    );
    await em.flush();
    return stored.map((d) => d.id);
  }

  async function targets(): Promise<Record<string, string>> {
    const rows = await t.model.orm.em
      .getConnection()
      .execute<{ id: string; target: string }[]>('select id, target from webhook_delivery');
    return Object.fromEntries(rows.map((r) => [r.id, r.target]));
  }

  it('redacts the targets stored in full when migrating, leaving a row whose redacted twin exists', async () => {
    const full = 'https://hooks.legacy.test/services/T0001/B0001/l3g4cyT0k3n';
    const [legacy, twin, , bare] = await storeInFull(
      ['evt-legacy', full],
      ['evt-twin', full],
      ['evt-twin', redactWebhookTarget(full)],
      ['evt-bare', 'https://hooks.legacy.test/'],
    );

    expect(await t.model.migrateUp()).toEqual(AFTER_BEFORE);

    expect(t.model.backfilled).toEqual({ counted: 0, redacted: 2, state: 'done' });
    expect(await targets()).toMatchObject({
      [legacy!]: redactWebhookTarget(full),
      [twin!]: full,
      [bare!]: 'https://hooks.legacy.test',
    });
    expect(await t.model.backfill()).toEqual({ counted: 0, redacted: 0, state: 'done' });
  });

  // The previous version's leader keeps sending during the upgrade, after the migration ran.
  it('redacts those stored after it at the next run, page by page, and stops when the time is up', async () => {
    // The fragment is not kept, so these two redact to the same target.
    const [a, b] = await storeInFull(
      ['evt-same', 'https://hooks.legacy.test/services/T1/B1/t0k3n#a'],
      ['evt-same', 'https://hooks.legacy.test/services/T1/B1/t0k3n#b'],
      ['evt-later', 'https://hooks.legacy.test/services/T1/B1/l4t3r'],
    );

    expect(await t.model.backfill(0)).toEqual({ counted: 0, redacted: 0, state: 'time-up' });
    expect(Object.values(await targets()).filter((s) => s.includes('/services/'))).toHaveLength(4);

    // One row a page: `b` finds the twin that `a` became in the page before.
    expect(await redactStoredWebhookTargets(() => t.model.orm.em.fork(), {}, 1)).toEqual({
      redacted: 2,
      state: 'done',
    });
    const after = await targets();
    expect([after[a!], after[b!]]).toEqual([
      redactWebhookTarget('https://hooks.legacy.test/services/T1/B1/t0k3n#a'),
      'https://hooks.legacy.test/services/T1/B1/t0k3n#b',
    ]);
  });

  it('reads a page with one query for its twins, a row redacted in it a twin for the rest', async () => {
    const [a, b] = await storeInFull(
      ['evt-page', 'https://hooks.legacy.test/services/T2/B2/t0k3n#a'],
      ['evt-page', 'https://hooks.legacy.test/services/T2/B2/t0k3n#b'],
      ...Array.from({ length: 4 }, (_, i): [string, string] => [
        `evt-${i}`,
        `https://hooks.legacy.test/services/T2/B2/k${i}`,
      ]),
    );

    const knex = t.model.orm.em.getConnection().getKnex();
    const reads: string[] = [];
    const capture = (q: { sql: string }) => {
      if (/^select/i.test(q.sql) && q.sql.includes('webhook_delivery')) reads.push(q.sql);
    };
    knex.on('query', capture);
    try {
      expect(await t.model.backfill()).toEqual({ counted: 0, redacted: 5, state: 'done' });
    } finally {
      knex.removeListener('query', capture);
    }
    // The page of rows to redact, then their twins: not a query per row.
    expect(reads).toHaveLength(2);
    const after = await targets();
    expect([after[a!], after[b!]]).toEqual([
      redactWebhookTarget('https://hooks.legacy.test/services/T2/B2/t0k3n#a'),
      'https://hooks.legacy.test/services/T2/B2/t0k3n#b',
    ]);
  });
});

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectWithRetry } from '../database/connect-with-retry.js';
import { MigrationLockTimeoutError } from '../orm/migration-lock-timeout.js';
import { testDrivers, type TestModel } from '../test/drivers.js';
import { acme, at, tenant, users } from '../test/fixtures.js';
import { postgresqlMigrations } from './postgresql/index.js';

const BEFORE_DROP = 'Migration20261207090000_staff_live_external_id';
const BEFORE_COUNT = 'Migration20261207093000_drop_finding_status_last_seen_index';
/** BEFORE_COUNT, the active user count and the migrations after them: a run from BEFORE_COUNT. */
const FROM_BEFORE_COUNT = postgresqlMigrations
  .map((m) => m.name)
  .slice(postgresqlMigrations.findIndex((m) => m.name === BEFORE_COUNT));

const BEFORE_ITEM_ORDER = 'Migration20261207154500_snapshot_chain_checkpoint';

const CONTENTS = 30;
const USERS = 15_000;
const SNAPSHOTS_PER_CONTENT = 3;

/**
 * Stores CONTENTS distinct contents of USERS users each (every tenth REMOVED: 100 MB of JSON,
 * seconds of parsing), each shared by SNAPSHOTS_PER_CONTENT snapshots, as the previous version
 * left them: no active user count. Chain hashes are stand-ins; nothing here verifies a chain.
 */
async function seedUncountedSnapshots(client: pg.Client, connectionId: string): Promise<void> {
  await client.query(
    `insert into snapshot_content (hash, text, user_count, created_at)
     select lpad(c::text, 64, '0'),
            (select '[' || string_agg(format('{"email":"u%s@c%s.example","firstName":"First","isSubscriber":false,"lastLoginAt":null,"lastName":"Last","organisationRole":"%s","twoFactorEnabled":true,"updatedDateUtc":"2026-11-01T00:00:00.000Z","userId":"%s"}', u, c, case when u % 10 = 0 then 'REMOVED' else 'STANDARD' end, u), ',') || ']'
               from generate_series(1, $1::int) u),
            $1, now()
       from generate_series(1, $2::int) c`,
    [USERS, CONTENTS],
  );
  await client.query(
    `insert into snapshot (id, connection_id, tenant_id, tenant_name, sequence, taken_at, user_count, content_hash, previous_id, previous_hash, chain_hash, diff, created_at)
     select gen_random_uuid(), $1, 'tenant', 'Acme', s, now(), $2, lpad(((s - 1) / $3 + 1)::text, 64, '0'), null, null, lpad(s::text, 64, 'f'), '{"joiners":[],"leavers":[],"roleChanges":[]}', now()
       from generate_series(1, $4::int) s`,
    [connectionId, USERS, SNAPSHOTS_PER_CONTENT, CONTENTS * SNAPSHOTS_PER_CONTENT],
  );
}

/** Runs `query` again and again on its own session until `work` settles; the longest wait. */
async function longestWaitDuring(
  url: string,
  query: string,
  work: Promise<unknown>,
): Promise<{ longestMs: number; runs: number }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  let settled = false;
  const done = work.then(
    () => (settled = true),
    () => (settled = true),
  );
  let longestMs = 0;
  let runs = 0;
  try {
    while (!settled) {
      const started = performance.now();
      await client.query(query);
      longestMs = Math.max(longestMs, performance.now() - started);
      runs += 1;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await done;
    return { longestMs, runs };
  } finally {
    await client.end();
  }
}

describe.each(testDrivers.filter((d) => d.dialect === 'postgresql'))(
  'migrations and the previous version reading on $dialect',
  (driver) => {
    let t: TestModel;
    let session: pg.Client;
    beforeAll(async () => {
      t = await driver.create({ migrate: false });
      session = new pg.Client({ connectionString: t.url });
      await session.connect();
    });
    afterAll(async () => {
      await session?.end();
      await t?.dispose();
    });

    it('gives up on a table another transaction holds within the lock timeout, applying nothing, and blocks its readers no longer', async () => {
      await t.model.orm.getMigrator().up({ to: BEFORE_DROP });
      // A long transaction of the previous version that has read snapshots (a report, a stuck
      // request): it holds the table until it ends.
      await session.query('begin');
      await session.query('select count(*) from snapshot');
      const started = performance.now();
      const migrating = t.model.migrateUp();
      const reads = await longestWaitDuring(t.url, 'select count(*) from snapshot', migrating);
      const error = await migrating.then(
        () => undefined,
        (e: unknown) => e,
      );
      const tookMs = performance.now() - started;
      await session.query('commit');

      expect(error).toBeInstanceOf(MigrationLockTimeoutError);
      expect((error as Error).message).toMatch(
        /^migration Migration20261207100000_snapshot_active_user_count waited longer than 3 s for a lock on a table another session holds \(a long query or an open transaction\); nothing was applied/,
      );
      expect(tookMs).toBeLessThan(10_000);
      // Readers queue behind the waiting ALTER TABLE, for the lock timeout at most.
      expect(reads.longestMs).toBeLessThan(5_000);
      // All or nothing: the migration before it, which had its lock, is not applied either.
      expect(await t.model.pendingMigrations()).toEqual(FROM_BEFORE_COUNT);
    });

    it('makes a start that migrates give up, naming the migration, when the lock stays taken', async () => {
      await session.query('begin');
      await session.query('select count(*) from snapshot');
      const error = await connectWithRetry({
        app: 'reconciler',
        url: t.url,
        migrate: true,
        waitMs: 5_000,
        logger: { warn: () => undefined },
      }).then(
        async (model) => model.close(),
        (e: unknown) => e,
      );
      await session.query('commit');
      expect((error as Error).message).toMatch(
        /is busy \(55P03\) after \d+ s of trying: Migration20261207100000_snapshot_active_user_count could not lock its table on any attempt: find the long query or open transaction holding it in pg_stat_activity, or wait longer with DATABASE_STARTUP_WAIT\.$/,
      );
      expect(await t.model.pendingMigrations()).toEqual(FROM_BEFORE_COUNT);
    });

    it('is retried by a start that migrates until the lock is free', async () => {
      await session.query('begin');
      await session.query('select count(*) from snapshot');
      const release = setTimeout(() => void session.query('commit'), 4_000);
      const warnings: object[] = [];
      const model = await connectWithRetry({
        app: 'reconciler',
        url: t.url,
        migrate: true,
        waitMs: 60_000,
        logger: { warn: (details) => warnings.push(details) },
      }).finally(() => clearTimeout(release));
      try {
        expect(model.migrated).toEqual(FROM_BEFORE_COUNT);
        expect(warnings[0]).toMatchObject({ kind: 'busy', cause: '55P03' });
      } finally {
        await model.close();
      }
    });

    it('counts the users of stored snapshots without keeping their readers waiting', async () => {
      const fresh = await driver.create({ migrate: false });
      try {
        await fresh.model.orm.getMigrator().up({ to: BEFORE_COUNT });
        const connection = await fresh.model.db.connections.upsert(acme);
        const seeding = new pg.Client({ connectionString: fresh.url });
        await seeding.connect();
        await seedUncountedSnapshots(seeding, connection.id).finally(() => seeding.end());

        const reads = await longestWaitDuring(
          fresh.url,
          'select count(*) from snapshot',
          fresh.model.migrateUp(),
        );

        expect(reads.longestMs).toBeLessThan(1_000);
        expect(reads.runs).toBeGreaterThan(10);
        expect(fresh.model.backfilled).toEqual({
          counted: CONTENTS * SNAPSHOTS_PER_CONTENT,
          redacted: 0,
          state: 'done',
        });
        const counts = await fresh.model.orm.em
          .getConnection()
          .execute<{ active: number; snapshots: string }[]>(
            'select active_user_count as active, count(*) as snapshots from snapshot group by active_user_count',
          );
        expect(counts).toEqual([
          { active: USERS - USERS / 10, snapshots: String(CONTENTS * SNAPSHOTS_PER_CONTENT) },
        ]);
      } finally {
        await fresh.dispose();
      }
    }, 60_000);

    it('indexes the items of large reviews while their readers carry on', async () => {
      const fresh = await driver.create({ migrate: false });
      try {
        await fresh.model.orm.getMigrator().up({ to: BEFORE_ITEM_ORDER });
        const people = users(['u-1', 'STANDARD']);
        await fresh.model.db.snapshots.record(acme, tenant, people, at('2026-12-01T00:00:00Z'));
        const review = await fresh.model.db.reviews.create({
          connection: acme,
          tenantId: tenant.tenantId,
          title: 'Q4',
          createdBy: 'alice',
        });
        // A million items (ten reviews of 100,000 users, as far as the index is concerned):
        // seconds of building, so that readers kept waiting would show.
        await fresh.model.orm.em.getConnection().execute(
          `insert into review_decision (id, review_id, user_id, email, name, organisation_role)
           select gen_random_uuid(), ?, 'x-' || i, 'user' || (i::bigint * 7919 % 1000000) || '@acme.test', 'F L', 'STANDARD'
           from generate_series(1, 1000000) i`,
          [review.id],
        );

        // CREATE INDEX (SHARE) lets reads through while it sorts the table; writes wait.
        const migrating = fresh.model.migrateUp();
        const reads = await longestWaitDuring(
          fresh.url,
          `select email from review_decision where review_id = '${review.id}' and user_id = 'u-1'`,
          migrating,
        );

        expect(await migrating).toContain('Migration20261207160000_review_item_order_index');
        expect(reads.longestMs).toBeLessThan(1_000);
        expect(reads.runs).toBeGreaterThan(10);
      } finally {
        await fresh.dispose();
      }
    }, 120_000);
  },
);

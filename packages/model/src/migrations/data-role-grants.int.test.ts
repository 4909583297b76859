import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createTestDatabase, serviceUrls, uniqueName } from '@xero-access/testing';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { connectWithRetry } from '../database/connect-with-retry.js';
import { createOrm, type ModelOrm } from '../orm/create-orm.js';
import type { Database } from '../services/database.js';
import { acme, findingAlertsTo, tenant, unidentified, users } from '../test/fixtures.js';

/**
 * The Helm chart's setup of a least-privilege database: the migration Job's user owns the schema,
 * the apps' user may only read and write the data. The grants are read from the chart README at
 * test time, so what the README tells operators to run is what is tested.
 */
const CHART_README = fileURLToPath(
  new URL('../../../../deploy/helm/xero-access-operator/README.md', import.meta.url),
);
const OWNER = 'xao_owner';
const APP = 'xao_app';

/** The README's one fenced `sql` block granting to the apps' user, as written there. */
function readmeGrants(): string {
  const blocks = [...readFileSync(CHART_README, 'utf8').matchAll(/^```sql\n([\s\S]*?)^```$/gm)]
    .map((m) => m[1]!)
    .filter((sql) => new RegExp(`\\b${APP}\\b`).test(sql));
  if (blocks.length !== 1)
    throw new Error(
      `${CHART_README}: expected one \`\`\`sql block granting to ${APP}, found ${blocks.length}`,
    );
  return blocks[0]!;
}

interface RoleDatabase {
  ownerUrl: string;
  appUrl: string;
  /** Runs the README's grants as the owner, its role names replaced by this database's. */
  grant(): Promise<void>;
  dispose(): Promise<void>;
}

/**
 * A fresh database owned by a new login role (the Job's user), and a new login role with no
 * rights in it (the apps' user); both dropped by `dispose`. Names are unique per run: roles are
 * the server's, not the database's.
 */
async function roleDatabase(): Promise<RoleDatabase> {
  const database = await createTestDatabase('t');
  const owner = uniqueName(OWNER).replace(/-/g, '_');
  const app = uniqueName(APP).replace(/-/g, '_');
  const password = randomBytes(16).toString('hex');
  const admin = new pg.Client({ connectionString: serviceUrls.postgres });
  await admin.connect();
  const urlAs = (user: string) => {
    const url = new URL(database.url);
    url.username = user;
    url.password = password;
    return url.toString();
  };
  const dispose = async () => {
    try {
      await database.drop();
      await admin.query(`drop role if exists "${owner}"`);
      await admin.query(`drop role if exists "${app}"`);
    } finally {
      await admin.end();
    }
  };
  try {
    const { rows } = await admin.query<{ user: string; createrole: boolean }>(
      'select current_user as user, rolcreaterole as createrole from pg_roles where rolname = current_user',
    );
    if (!rows[0]?.createrole)
      throw new Error(
        `XAO_POSTGRES_URL's user ${rows[0]?.user} may not create roles (CREATEROLE): run npm run services:up`,
      );
    // The test's user joins the owner's role only to hand it the database (ALTER DATABASE needs it).
    await admin.query(`create role "${owner}" login password '${password}' role "${rows[0].user}"`);
    await admin.query(`create role "${app}" login password '${password}'`);
    await admin.query(`alter database "${database.name}" owner to "${owner}"`);
  } catch (error) {
    await dispose();
    throw error;
  }
  const ownerUrl = urlAs(owner);
  return {
    ownerUrl,
    appUrl: urlAs(app),
    async grant() {
      const sql = readmeGrants()
        .replace(new RegExp(`\\b${OWNER}\\b`, 'g'), owner)
        .replace(new RegExp(`\\b${APP}\\b`, 'g'), app);
      const client = new pg.Client({ connectionString: ownerUrl });
      await client.connect();
      try {
        await client.query(sql);
      } finally {
        await client.end();
      }
    },
    dispose,
  };
}

/** What the migration Job does: `xao-model migrate` as the owner. */
async function migrateAsOwner(ownerUrl: string): Promise<void> {
  const model = await createOrm({ url: ownerUrl, migrate: true, poolMax: 2 });
  await model.close();
}

/** What an app does at start with DATABASE_MIGRATE=false: open, check the schema, never change it. */
function openAsApp(appUrl: string): Promise<ModelOrm> {
  return connectWithRetry({
    app: 'reconciler',
    url: appUrl,
    migrate: false,
    waitMs: 5_000,
    logger: { warn: () => undefined },
    poolMax: 4,
  });
}

const admin = { actor: 'admin@acme.test', actorRole: 'admin' };
const DAY = 86_400_000;

/** The apps' writes, each through the model as they make them. */
async function exerciseWrites(db: Database): Promise<void> {
  const now = Date.now();
  const when = (ms: number) => new Date(now + ms);
  const sam = await db.staff.create({ email: 'sam@acme.test', name: 'Sam' }, when(0));
  await db.staff.update(sam.id, { name: 'Sam Smith' }, admin, when(1));

  // Opens two findings: a finding_event each, numbered by the changes feed's trigger (a sequence).
  const s1 = await db.snapshots.record(
    acme,
    tenant,
    users(['a', 'STANDARD'], ['b', 'STANDARD']),
    when(1_000),
  );
  const opened = await db.findings.apply(
    acme,
    s1.id,
    [unidentified('a'), unidentified('b')],
    when(1_001),
    findingAlertsTo('https://hooks.acme.test/findings'),
  );
  expect(opened.transitions.map((x) => x.type)).toEqual(['opened', 'opened']);
  const byUser = Object.fromEntries(
    opened.transitions.map((x) => [x.finding.subject.id, x.finding.id]),
  );

  await db.findings.acceptRisk(byUser.a!, {
    reason: 'contractor until year end',
    by: 'alice@acme.test',
    until: new Date(Date.now() + 30 * DAY),
  });
  await db.findings.revokeAcceptance(byUser.a!, 'alice@acme.test', 'not any more');
  await db.findings.acceptRisk(byUser.a!, {
    reason: 'contractor until year end',
    by: 'alice@acme.test',
    until: new Date(Date.now() + 30 * DAY),
  });

  // b goes: its finding is resolved; a stays accepted.
  const s2 = await db.snapshots.record(acme, tenant, users(['a', 'STANDARD']), when(2_000));
  const resolved = await db.findings.apply(acme, s2.id, [unidentified('a')], when(2_001));
  expect(resolved.transitions.map((x) => `${x.type}:${x.finding.subject.id}`)).toEqual([
    'resolved:b',
  ]);
  expect((await db.findings.history(byUser.a!)).map((e) => e.type)).toEqual([
    'opened',
    'accepted',
    'acceptance-revoked',
    'accepted',
  ]);
  // The changes feed reads what the trigger wrote (how many events it lists yet depends on the
  // transactions in progress on the whole server).
  expect((await db.findings.changes()).items.length).toBeLessThanOrEqual(6);

  await db.links.link('a', { staffId: sam.id }, admin, when(3_000));

  const review = await db.reviews.create(
    { connection: acme, tenantId: tenant.tenantId, title: 'Q4 access review', createdBy: 'alice' },
    when(3_001),
  );
  await db.reviews.decide(review.id, 'a', {
    decision: 'keep',
    by: 'bob',
    reviewerEmail: 'bob@corp.test',
  });
  await db.reviews.complete(review.id, 'bob');

  const { record: token } = await db.tokens.create({ name: 'ci', role: 'viewer', by: admin });
  const { token: secret } = await db.tokens.create({ name: 'ci2', role: 'viewer' });
  expect(await db.tokens.verify(secret)).not.toBeNull();
  await db.tokens.revoke(token.id, admin);

  const pending = await db.audit.append({
    actor: 'anonymous',
    action: 'POST /staff',
    resourceType: 'staff',
    outcome: 'pending',
  });
  expect(await db.audit.settle(pending.id, { outcome: 'success', actor: 'admin@acme.test' })).toBe(
    true,
  );

  const claimed = await db.webhooks.claimDue({ claimedBy: 'sender-1', leaseMs: 60_000, limit: 10 });
  expect(claimed).toHaveLength(2);
  await db.webhooks.recordAttempt(claimed[0]!.id, 'sender-1', { ok: true, statusCode: 204 });
  await db.webhooks.recordAttempt(claimed[1]!.id, 'sender-1', {
    ok: false,
    error: 'ECONNREFUSED',
    nextAttemptAt: null,
  });

  // Erasure (Art. 17) of someone with no Xero access left.
  const pat = await db.staff.create({ email: 'pat@acme.test', name: 'Pat' });
  await db.staff.markDeleted(pat.id, admin);
  await db.subjects.erase(pat.id, admin);
  await db.connections.markDeleted(acme);

  const later = new Date(Date.now() + 365 * DAY);
  expect((await db.retention.pruneWebhookDeliveries(later)).deleted).toBe(2);
  expect((await db.retention.pruneAuditLog(later)).deleted).toBeGreaterThan(0);
}

describe('the chart README grants for the apps’ data-only database user (PostgreSQL)', () => {
  let current: { database: RoleDatabase; app?: ModelOrm } | undefined;
  afterEach(async () => {
    await current?.app?.close();
    await current?.database.dispose();
    current = undefined;
  });

  /**
   * Opens the model as the apps' user; checks that user can change no schema, and may read and
   * write every table and draw from every sequence the migrations made (those to come included).
   */
  async function appModel(database: RoleDatabase): Promise<ModelOrm> {
    const model = await openAsApp(database.appUrl);
    current!.app = model;
    const connection = model.orm.em.getConnection();
    await expect(connection.execute('create table "not_the_apps" ("id" int)')).rejects.toThrow(
      /permission denied for schema public/,
    );
    const lacking = await connection.execute<{ relname: string }[]>(
      `select c.relname from pg_class c
        where c.relnamespace = 'public'::regnamespace
          and case c.relkind
                when 'r' then not (has_table_privilege(c.oid, 'SELECT') and has_table_privilege(c.oid, 'INSERT')
                                   and has_table_privilege(c.oid, 'UPDATE') and has_table_privilege(c.oid, 'DELETE'))
                when 'S' then not has_sequence_privilege(c.oid, 'USAGE')
                else false
              end
        order by 1`,
    );
    expect(lacking.map((r) => r.relname)).toEqual([]);
    return model;
  }

  it('let the apps write on a database granted before its first migration (a new install)', async () => {
    const database = await roleDatabase();
    current = { database };
    await database.grant();
    await migrateAsOwner(database.ownerUrl);

    await exerciseWrites((await appModel(database)).db);
  });

  it('let the apps write on a database migrated before the grants were given', async () => {
    const database = await roleDatabase();
    current = { database };
    await migrateAsOwner(database.ownerUrl);
    await database.grant();

    await exerciseWrites((await appModel(database)).db);
  });
});

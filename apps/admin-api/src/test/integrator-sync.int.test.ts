import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CONNECTION, TENANT, seedAcme } from './fixtures.js';
import { DIALECTS, startHarness, type Harness } from './harness.js';
import { undocumented, type OpenApiDocument } from './openapi-conformance.js';

interface Change {
  id: string;
  type: string;
  findingId: string;
  actor: string | null;
  subject: { kind: string; id: string };
  connection: { namespace: string; name: string };
  tenantId: string;
}
interface ChangePage {
  items: Change[];
  nextCursor: string | null;
  hasMore: boolean;
}

/**
 * What a client keeping its own copy (a GRC platform syncing nightly) relies on: a changes feed it
 * follows from a kept cursor, and POSTs it may retry after a timeout without doing twice.
 */
/**
 * How long a test waits for the feed to list what was written: on PostgreSQL, as long as the
 * longest transaction another test file (running beside this one) keeps open.
 */
const SETTLE_MS = 170_000;
const SETTLING = { timeout: SETTLE_MS + 30_000 };

describe.each(DIALECTS)('an integrator syncing on $dialect', ({ dialect }) => {
  let h: Harness;
  let jack: string;
  beforeAll(async () => {
    h = await startHarness(dialect);
    const seeded = await seedAcme(h.model);
    jack = seeded.transitions.find((t) => t.finding.subject.id === 'u-jack')!.finding.id;
  });
  afterAll(async () => h?.close());

  /** Follows the feed from `cursor` until it has nothing more for now. */
  async function follow(cursor: string | null, query: Record<string, string> = {}) {
    const items: Change[] = [];
    for (;;) {
      const page = await h.call('GET', '/finding-events', {
        token: h.tokens.viewer,
        query: { limit: '2', ...query, ...(cursor ? { cursor } : {}) },
      });
      expect(page.statusCode, page.body).toBe(200);
      const { items: some, nextCursor, hasMore } = page.json<ChangePage>();
      items.push(...some);
      cursor = nextCursor;
      if (!hasMore) return { items, cursor };
    }
  }

  /**
   * Waits until the feed lists every event written so far: on PostgreSQL an event is listed once
   * no transaction older than it is in progress anywhere on the server, and other test files run
   * beside this one.
   */
  async function settled(): Promise<void> {
    const knex = h.model.orm.em.getKnex();
    const rows = await knex('finding_event').count({ count: '*' });
    const written = Number(rows[0]!.count);
    try {
      await vi.waitFor(async () => expect((await follow(null)).items).toHaveLength(written), {
        timeout: SETTLE_MS,
        interval: 200,
      });
    } catch (error) {
      if (dialect !== 'postgresql') throw error;
      // Name what held the feed back: the transactions still in progress on the server.
      const held = await knex.raw(
        `select datname, backend_xid, now() - xact_start as age, left(query, 200) as query
           from pg_stat_activity where backend_xid is not null order by xact_start`,
      );
      throw new Error(`the feed did not settle; in progress: ${JSON.stringify(held.rows)}`, {
        cause: error,
      });
    }
  }

  it(
    'reads every change of every finding once from GET /finding-events, then what changed since',
    SETTLING,
    async () => {
      await settled();
      const night1 = await follow(null);
      expect(night1.items.map((c) => c.type)).toEqual(['opened', 'opened', 'opened']);
      expect(night1.items.find((c) => c.findingId === jack)).toMatchObject({
        subject: { kind: 'user', id: 'u-jack' },
        connection: CONNECTION,
        tenantId: TENANT.tenantId,
        actor: null,
      });
      expect(night1.cursor).toEqual(expect.any(String));

      // During the day: an acceptance and its withdrawal, which GET /findings?since cannot show.
      await h.call('POST', `/findings/${jack}/accept`, {
        token: h.tokens.admin,
        body: { reason: 'contractor' },
      });
      await h.call('DELETE', `/findings/${jack}/acceptance`, { token: h.tokens.admin });
      await settled();

      const night2 = await follow(night1.cursor);
      expect(night2.items.map((c) => [c.type, c.findingId, c.actor])).toEqual([
        ['accepted', jack, 'token:test-admin'],
        ['acceptance-revoked', jack, 'token:test-admin'],
      ]);
      const night3 = await follow(night2.cursor);
      expect(night3).toEqual({ items: [], cursor: night2.cursor });
      expect((await follow(null, { connection: 'finance/other' })).items).toEqual([]);
      expect((await follow(null, { connection: 'finance/acme' })).items).toEqual([
        ...night1.items,
        ...night2.items,
      ]);
    },
  );

  it('refuses a cursor it did not hand out, naming query.cursor', async () => {
    const findingsCursor = (
      await h.call('GET', '/findings?limit=1', { token: h.tokens.viewer })
    ).json().nextCursor as string;
    for (const cursor of [findingsCursor, 'not-a-cursor']) {
      const answer = await h.call('GET', '/finding-events', {
        token: h.tokens.viewer,
        query: { cursor },
      });
      expect(answer.statusCode).toBe(400);
      expect(answer.json()).toMatchObject({ field: 'query.cursor' });
    }
    expect((await h.call('GET', '/finding-events')).statusCode).toBe(401);
  });

  it(
    'answers a retried POST /findings/{id}/accept with the acceptance it made, writing nothing',
    SETTLING,
    async () => {
      const accept = () =>
        h.call('POST', `/findings/${jack}/accept`, {
          token: h.tokens.admin,
          body: { reason: 'contractor until March' },
        });
      const first = await accept();
      expect(first.statusCode, first.body).toBe(200);
      await settled();
      const { cursor } = await follow(null);
      const retried = await accept();
      expect(retried.statusCode, retried.body).toBe(200);
      expect(retried.json()).toEqual(first.json());
      expect((await follow(cursor)).items).toEqual([]);
      const history = (
        await h.call('GET', `/findings/${jack}/history`, { token: h.tokens.viewer })
      ).json<{ items: { type: string }[] }>().items;
      expect(history.filter((e) => e.type === 'accepted')).toHaveLength(2); // this one, the earlier test's
    },
  );

  it('answers a retried POST /reviews with 409 naming the campaign the first one started, in reviewId and Location', async () => {
    const start = () =>
      h.call('POST', '/reviews', {
        token: h.tokens.reviewer,
        body: { connection: 'finance/acme', tenantId: TENANT.tenantId, title: 'Q4' },
      });
    const first = await start();
    expect(first.statusCode, first.body).toBe(201);
    const retried = await start();
    expect(retried.statusCode).toBe(409);
    expect(retried.headers.location).toBe(`/reviews/${first.json().id}`);
    const served: OpenApiDocument = (await h.call('GET', '/openapi.json')).json();
    expect(undocumented(served, 'POST', '/reviews', retried)).toEqual([]);
    expect(retried.json()).toEqual({
      statusCode: 409,
      error: 'Conflict',
      reviewId: first.json().id,
      message: expect.stringMatching(
        new RegExp(
          `^access review ${first.json().id} \\(started by token:test-reviewer at .*\\) is already open over snapshot 2 of tenant ${TENANT.tenantId} of finance/acme: `,
        ),
      ),
    });
    const open = await h.call('GET', '/reviews?status=open', { token: h.tokens.viewer });
    expect(open.json().items.map((r: { id: string }) => r.id)).toEqual([first.json().id]);
  });

  it(
    'answers 410 naming query.cursor to a cursor read past a database restored from an earlier backup',
    SETTLING,
    async () => {
      await settled();
      const backup = await follow(null);
      await h.call('POST', `/findings/${jack}/accept`, {
        token: h.tokens.admin,
        body: { reason: 'until the restore' },
      });
      await settled();
      const after = await follow(backup.cursor);
      expect(after.items.map((c) => c.type)).toEqual(['accepted']);
      // The restore: the backup did not hold that change, nor its number.
      const knex = h.model.orm.em.getKnex();
      await knex('finding_event').where('id', after.items[0]!.id).delete();
      if (dialect === 'postgresql')
        await knex.raw(
          `select setval('finding_event_feed_seq', (select max(feed_seq) from finding_event))`,
        );

      const answer = await h.call('GET', '/finding-events', {
        token: h.tokens.viewer,
        query: { cursor: after.cursor! },
      });
      expect(answer.statusCode, answer.body).toBe(410);
      expect(answer.json()).toEqual({
        statusCode: 410,
        error: 'Gone',
        message: expect.stringMatching(
          /^query\.cursor: names a change this database does not hold: it was restored from a backup taken before that change .* Read the feed again from the start, without cursor/,
        ),
        field: 'query.cursor',
      });
      expect((await follow(backup.cursor)).items).toEqual([]);
    },
  );
});

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedAcme } from './fixtures.js';
import { DIALECTS, startHarness, type Harness } from './harness.js';

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

/** The server's clock, set by the test: well away from the system clock, so a stamp shows which. */
class TestClock {
  private time = new Date(Date.now() - 3 * DAY_MS);

  set(time: Date): void {
    this.time = new Date(time);
  }

  readonly now = (): Date => new Date(this.time);
}

interface Transition {
  finding: {
    status: string;
    acceptedRisk: { at: string; until: string } | null;
    updatedAt: string;
  };
  event: { type: string; at: string };
}

/** Seeds the findings and returns the server's clock and the id of Jack's (unidentified) finding. */
async function start(dialect: 'postgresql' | 'sqlite') {
  const clock = new TestClock();
  const h = await startHarness(dialect, { clock: clock.now });
  const seeded = await seedAcme(h.model);
  const findingId = seeded.transitions.find((t) => t.finding.subject.id === 'u-jack')!.finding.id;
  return { h, clock, findingId };
}

describe.each(DIALECTS)('risk acceptance is stamped by the server on $dialect', ({ dialect }) => {
  let h: Harness;
  let clock: TestClock;
  let findingId: string;
  beforeAll(async () => ({ h, clock, findingId } = await start(dialect)));
  afterAll(async () => h?.close());

  it("stamps an acceptance and its withdrawal with the server's clock, and runs the period from it", async () => {
    const acceptedAt = new Date(clock.now().getTime() + MINUTE_MS);
    clock.set(acceptedAt);
    const accepted = await h.call('POST', `/findings/${findingId}/accept`, {
      token: h.tokens.admin,
      body: { reason: 'contractor, renewal pending' },
    });
    expect(accepted.statusCode, accepted.body).toBe(200);
    const a = accepted.json<Transition>();
    expect(a.finding.acceptedRisk).toMatchObject({
      at: acceptedAt.toISOString(),
      until: new Date(acceptedAt.getTime() + 365 * DAY_MS).toISOString(),
    });
    expect(a.finding.updatedAt).toBe(acceptedAt.toISOString());
    expect(a.event).toMatchObject({ type: 'accepted', at: acceptedAt.toISOString() });

    const withdrawnAt = new Date(acceptedAt.getTime() + MINUTE_MS);
    clock.set(withdrawnAt);
    const withdrawn = await h.call('DELETE', `/findings/${findingId}/acceptance`, {
      token: h.tokens.admin,
    });
    expect(withdrawn.statusCode, withdrawn.body).toBe(200);
    const w = withdrawn.json<Transition>();
    expect(w.finding.updatedAt).toBe(withdrawnAt.toISOString());
    expect(w.event).toMatchObject({ type: 'acceptance-revoked', at: withdrawnAt.toISOString() });
    const history = (
      await h.call('GET', `/findings/${findingId}/history`, { token: h.tokens.viewer })
    ).json<{ items: { type: string; at: string }[] }>().items;
    expect(history.slice(-2).map((e) => [e.type, e.at])).toEqual([
      ['accepted', acceptedAt.toISOString()],
      ['acceptance-revoked', withdrawnAt.toISOString()],
    ]);
  });
});

describe('risk acceptance waiting for the finding lock on postgresql', () => {
  let h: Harness;
  let clock: TestClock;
  let findingId: string;
  let holder: pg.Client;
  beforeAll(async () => {
    ({ h, clock, findingId } = await start('postgresql'));
    holder = new pg.Client({ connectionString: h.deps.config.databaseUrl });
    await holder.connect();
  });
  afterAll(async () => {
    await holder?.end();
    await h?.close();
  });

  /** Whether a backend of this database waits for a lock (the request, behind the holder). */
  const someoneWaits = async () =>
    Number(
      (
        await holder.query<{ n: string }>(
          `select count(*) as n from pg_stat_activity
           where datname = current_database() and wait_event_type = 'Lock'`,
        )
      ).rows[0]!.n,
    ) > 0;

  it('is stamped when the lock is granted, not when the request arrived', async () => {
    const arrivedAt = clock.now();
    await holder.query('begin');
    // Another writer (a sync applying its evaluation) holds the finding.
    await holder.query('select id from finding where id = $1 for update', [findingId]);
    const request = h.call('POST', `/findings/${findingId}/accept`, {
      token: h.tokens.admin,
      body: { reason: 'leaving this week' },
    });
    const deadline = Date.now() + 10_000;
    while (!(await someoneWaits())) {
      if (Date.now() > deadline) throw new Error('the acceptance never waited for the lock');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const grantedAt = new Date(arrivedAt.getTime() + 5 * MINUTE_MS);
    clock.set(grantedAt);
    await holder.query('commit');

    const accepted = await request;
    expect(accepted.statusCode, accepted.body).toBe(200);
    const a = accepted.json<Transition>();
    expect(a.finding.acceptedRisk?.at).toBe(grantedAt.toISOString());
    expect(a.finding.updatedAt).toBe(grantedAt.toISOString());
    expect(a.event.at).toBe(grantedAt.toISOString());
  });
});

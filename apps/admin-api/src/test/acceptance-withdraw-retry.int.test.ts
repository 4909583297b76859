import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedAcme } from './fixtures.js';
import { DIALECTS, startHarness, type Harness } from './harness.js';

const MINUTE_MS = 60_000;

/** The server's clock, set by the test. */
class TestClock {
  private time = new Date(Date.now() - 86_400_000);

  set(time: Date): void {
    this.time = new Date(time);
  }

  later(ms: number): Date {
    this.set(new Date(this.time.getTime() + ms));
    return this.now();
  }

  readonly now = (): Date => new Date(this.time);
}

interface Transition {
  finding: { status: string; acceptedRisk: unknown };
  event: { id: string; type: string; at: string; actor: string | null };
}

describe.each(DIALECTS)('withdrawing an accepted risk on $dialect', ({ dialect }) => {
  let h: Harness;
  const clock = new TestClock();
  let findingId: string;
  beforeAll(async () => {
    h = await startHarness(dialect, { clock: clock.now });
    const seeded = await seedAcme(h.model);
    findingId = seeded.transitions.find((t) => t.finding.subject.id === 'u-jack')!.finding.id;
  });
  afterAll(async () => h?.close());

  const withdraw = (note?: string) =>
    h.call('DELETE', `/findings/${findingId}/acceptance`, {
      token: h.tokens.admin,
      ...(note === undefined ? {} : { body: { note } }),
    });
  const history = async () =>
    (await h.call('GET', `/findings/${findingId}/history`, { token: h.tokens.viewer }))
      .json<{ items: { type: string }[] }>()
      .items.map((e) => e.type);

  it('answers a retried withdrawal 200 with the withdrawal it repeats', async () => {
    clock.later(MINUTE_MS);
    const accepted = await h.call('POST', `/findings/${findingId}/accept`, {
      token: h.tokens.admin,
      body: { reason: 'contractor, renewal pending' },
    });
    expect(accepted.statusCode, accepted.body).toBe(200);
    clock.later(MINUTE_MS);
    const first = await withdraw('contract ended');
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json<Transition>().event.type).toBe('acceptance-revoked');

    // The answer was lost; the client sends the same request again.
    clock.later(MINUTE_MS);
    const retried = await withdraw('contract ended');
    expect(retried.statusCode, retried.body).toBe(200);
    expect(retried.json()).toEqual(first.json());
    expect(await history()).toEqual(['opened', 'accepted', 'acceptance-revoked']);
  });

  it('still refuses a withdrawal of an open finding that repeats none, 409', async () => {
    const other = await withdraw('another note');
    expect(other.statusCode).toBe(409);
    expect(other.json()).toMatchObject({ message: `finding ${findingId} is open, not accepted` });
    clock.later(10 * MINUTE_MS);
    expect((await withdraw('contract ended')).statusCode).toBe(409);
  });

  it('ends an acceptance that lapsed unswept and answers its withdrawal 409, naming when', async () => {
    const start = clock.later(MINUTE_MS);
    const until = new Date(start.getTime() + 5 * MINUTE_MS);
    const accepted = await h.call('POST', `/findings/${findingId}/accept`, {
      token: h.tokens.admin,
      body: { reason: 'contractor, renewal pending', expiresAt: until.toISOString() },
    });
    expect(accepted.statusCode, accepted.body).toBe(200);
    clock.later(6 * MINUTE_MS);
    const refused = await withdraw();
    expect(refused.statusCode, refused.body).toBe(409);
    expect(refused.json()).toMatchObject({
      message: `finding ${findingId}: its accepted risk lapsed at ${until.toISOString()}, before this withdrawal; it is open again (accepted-expired), with nothing left to withdraw`,
    });
    const finding = (
      await h.call('GET', `/findings/${findingId}`, { token: h.tokens.viewer })
    ).json<Transition['finding']>();
    expect(finding).toMatchObject({ status: 'open', acceptedRisk: null });
    expect((await history()).slice(-2)).toEqual(['accepted', 'accepted-expired']);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TENANT, seedAcme } from './fixtures.js';
import { DIALECTS, startHarness, type Harness } from './harness.js';

/** A campaign due in the past would be overdue from its start: the API refuses it. */
describe.each(DIALECTS)('a review due date on $dialect', ({ dialect }) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(dialect);
    await seedAcme(h.model);
  });
  afterAll(async () => h?.close());

  const start = (dueAt: string) =>
    h.call('POST', '/reviews', {
      token: h.tokens.reviewer,
      body: { connection: 'finance/acme', tenantId: TENANT.tenantId, title: 'Q4', dueAt },
    });

  it('refuses a dueAt in the past, naming body.dueAt, and starts nothing', async () => {
    const refused = await start(new Date(Date.now() - 60_000).toISOString());
    expect(refused.statusCode, refused.body).toBe(400);
    expect(refused.json()).toMatchObject({
      field: 'body.dueAt',
      message: expect.stringMatching(/^body\.dueAt: .* is not in the future/),
    });
    const listed = await h.call('GET', '/reviews', { token: h.tokens.viewer });
    expect(listed.json().items).toEqual([]);
  });

  it('starts a campaign due in the future', async () => {
    const dueAt = new Date(Date.now() + 14 * 86_400_000).toISOString();
    const started = await start(dueAt);
    expect(started.statusCode, started.body).toBe(201);
    expect(started.json()).toMatchObject({ dueAt });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedAcme } from './fixtures.js';
import { DIALECTS, startHarness, type Harness } from './harness.js';

const ZONE_REQUIRED =
  'must be an RFC 3339 date-time with a zone (Z or ±hh:mm), e.g. 2027-03-01T00:00:00Z';

/** An error names the field as the caller sent it, whichever check refused it. */
describe.each(DIALECTS)('error fields on $dialect', ({ dialect }) => {
  let h: Harness;
  let jack: string;
  beforeAll(async () => {
    h = await startHarness(dialect);
    const { transitions } = await seedAcme(h.model);
    jack = transitions.find((t) => t.finding.subject.id === 'u-jack')!.finding.id;
  });
  afterAll(async () => h?.close());

  it.each(['/findings', '/staff', '/audit-log'])(
    'GET %s names query.cursor for a malformed cursor and for an over-long one',
    async (url) => {
      for (const cursor of ['!!!not-a-cursor!!!', 'bm90LWEtY3Vyc29y', 'A'.repeat(600)]) {
        const response = await h.call('GET', url, { token: h.tokens.admin, query: { cursor } });
        expect(response.statusCode, cursor).toBe(400);
        expect(response.json(), cursor).toMatchObject({
          field: 'query.cursor',
          message: expect.stringMatching(/^query\.cursor: /),
        });
      }
    },
  );

  it('says a date-time needs its zone, in the body and in the query', async () => {
    const accept = await h.call('POST', `/findings/${jack}/accept`, {
      token: h.tokens.admin,
      body: { reason: 'contractor', expiresAt: '2027-03-01T00:00:00' },
    });
    expect(accept.statusCode).toBe(400);
    expect(accept.json()).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: `body.expiresAt: ${ZONE_REQUIRED}`,
      field: 'body.expiresAt',
    });
    const since = await h.call('GET', '/findings', {
      token: h.tokens.viewer,
      query: { since: '2026-11-01T00:00:00' },
    });
    expect(since.json()).toMatchObject({
      field: 'query.since',
      message: `query.since: ${ZONE_REQUIRED}`,
    });
    const staff = await h.call('POST', '/staff', {
      token: h.tokens.admin,
      body: { email: 'ann@acme.example', name: 'Ann', offboardedAt: '2026-11-01T09:00:00' },
    });
    expect(staff.json()).toMatchObject({
      field: 'body.offboardedAt',
      message: `body.offboardedAt: ${ZONE_REQUIRED}`,
    });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TENANT, seedAcme } from './fixtures.js';
import { startHarness, type Harness } from './harness.js';

/**
 * The fuzzer reported `GET /reviews/{id}` as "only 401" with the admin token. Its only 401s were
 * answers to its own probe without an Authorization header; with the token it got 400 (ids that
 * are not UUIDs) and 404 (no such review), never a 2xx, because no review existed. These are the
 * ids it sent: with a credential none is refused as unauthenticated.
 */
const FUZZED_IDS = [
  'null,null',
  'null',
  'true',
  '0.5',
  '\u0092\u{1F4B4}\u00CF',
  "x' OR 1=1 --",
  '00000000-0000-0000-0000-000000000000',
  'e3e70682-c209-1cac-a29f-6fbed82c07cd',
  'cbba27ba-4d5b-1bc9-84e8-fb9bd677dea5',
];

describe('GET /reviews/{id} with any id shape', () => {
  let h: Harness;
  let reviewId: string;
  beforeAll(async () => {
    h = await startHarness('sqlite');
    await seedAcme(h.model);
    const review = await h.call('POST', '/reviews', {
      token: h.tokens.reviewer,
      body: { connection: 'finance/acme', tenantId: TENANT.tenantId, title: 'Q4' },
    });
    expect(review.statusCode, review.body).toBe(201);
    reviewId = review.json().id;
  });
  afterAll(async () => h?.close());

  const path = (id: string) => `/reviews/${encodeURIComponent(id)}`;

  it.each(['viewer', 'admin'] as const)(
    'authenticates the %s token whatever the id: 400 or 404, never 401 or 403',
    async (role) => {
      const answers = new Map<string, number>();
      for (const id of FUZZED_IDS)
        answers.set(id, (await h.call('GET', path(id), { token: h.tokens[role] })).statusCode);
      for (const [id, status] of answers) {
        const isUuid = /^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$/.test(id);
        expect(status, id).toBe(isUuid ? 404 : 400);
      }
      expect((await h.call('GET', path(reviewId), { token: h.tokens[role] })).statusCode).toBe(200);
    },
  );

  it('refuses every id without a credential (401): the answer the fuzzer counted', async () => {
    for (const id of [...FUZZED_IDS, reviewId])
      expect((await h.call('GET', path(id))).statusCode, id).toBe(401);
  });
});

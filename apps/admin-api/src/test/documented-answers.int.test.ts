import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCIM_USER } from '../scim/scim.types.js';
import { seedAcme } from './fixtures.js';
import {
  DIALECTS,
  startHarness,
  type Harness,
  type InjectOptions,
  type TestResponse,
} from './harness.js';
import { undocumented, type OpenApiDocument } from './openapi-conformance.js';

const BODY_LIMIT = 4096;
const oversized: InjectOptions = {
  rawBody: JSON.stringify({ padding: 'x'.repeat(BODY_LIMIT) }),
  headers: { 'content-type': 'application/json' },
};
const NO_SUCH_ID = '0190f0d2-0000-7000-8000-000000000000';

/**
 * Answers beside the successes response-schemas.int.test.ts reads: errors, the headers the routes
 * set (rate limits, downloads, Location, WWW-Authenticate) and statuses no handler raises (the body
 * limit, a concurrent insert), each checked against the served /openapi.json.
 */
describe.each(DIALECTS)(
  'answers are as /openapi.json documents them on $dialect',
  ({ dialect }) => {
    let h: Harness;
    let served: OpenApiDocument;
    let ids: { snapshot: string; finding: string };
    beforeAll(async () => {
      h = await startHarness(dialect, { config: { bodyLimitBytes: BODY_LIMIT } });
      const seeded = await seedAcme(h.model);
      ids = {
        snapshot: seeded.second.id,
        finding: (await h.model.db.findings.list()).items[0]!.id,
      };
      served = (await h.call('GET', '/openapi.json')).json();
    });
    afterAll(async () => h?.close());

    const cases: [string, string, number, () => string, (h: Harness) => InjectOptions][] = [
      ['GET', '/findings', 200, () => '/findings', (h) => ({ token: h.tokens.viewer })],
      ['GET', '/findings', 401, () => '/findings', () => ({})],
      ['GET', '/findings', 400, () => '/findings?limit=0', (h) => ({ token: h.tokens.viewer })],
      ['GET', '/links/{userId}', 404, () => '/links/u-nobody', (h) => ({ token: h.tokens.viewer })],
      [
        'GET',
        '/snapshots/{id}/export',
        200,
        () => `/snapshots/${ids.snapshot}/export?format=json`,
        (h) => ({ token: h.tokens.viewer }),
      ],
      [
        'GET',
        '/snapshots/{id}/export',
        200,
        () => `/snapshots/${ids.snapshot}/export?format=csv`,
        (h) => ({ token: h.tokens.viewer }),
      ],
      [
        'POST',
        '/scim/v2/Users',
        201,
        () => '/scim/v2/Users',
        (h) => ({
          token: h.tokens.scim,
          body: {
            schemas: [SCIM_USER],
            userName: 'noah.wilson@acme.example',
            displayName: 'Noah Wilson',
          },
          headers: { 'content-type': 'application/scim+json' },
        }),
      ],
      [
        'POST',
        '/reviews/{id}/complete',
        413,
        () => `/reviews/${NO_SUCH_ID}/complete`,
        (h) => ({ token: h.tokens.reviewer, ...oversized }),
      ],
      [
        'DELETE',
        '/findings/{id}/acceptance',
        413,
        () => `/findings/${ids.finding}/acceptance`,
        (h) => ({ token: h.tokens.admin, ...oversized }),
      ],
      [
        'DELETE',
        '/links/{userId}',
        413,
        () => '/links/u-liam',
        (h) => ({ token: h.tokens.admin, ...oversized }),
      ],
      [
        'DELETE',
        '/tokens/{id}',
        413,
        () => `/tokens/${NO_SUCH_ID}`,
        (h) => ({ token: h.tokens.admin, ...oversized }),
      ],
      [
        'DELETE',
        '/scim/v2/Users/{id}',
        413,
        () => `/scim/v2/Users/${NO_SUCH_ID}`,
        (h) => ({ token: h.tokens.scim, ...oversized }),
      ],
      ['GET', '/connect/callback', 400, () => '/connect/callback?code=a&state=b', () => ({})],
      ['GET', '/health/live', 200, () => '/health/live', () => ({})],
    ];

    it.each(cases)('%s %s → %i', async (method, path, status, url, options) => {
      const response = await h.call(method, url(), options(h));
      expect(response.statusCode).toBe(status);
      expect(undocumented(served, method, path, response)).toEqual([]);
    });
  },
);

// A race of two inserts needs two writers at once: SQLite has one, so only PostgreSQL can lose it.
describe('a concurrent first link on postgresql is as /openapi.json documents it', () => {
  let h: Harness;
  let served: OpenApiDocument;
  beforeAll(async () => {
    h = await startHarness('postgresql');
    served = (await h.call('GET', '/openapi.json')).json();
  });
  afterAll(async () => h?.close());

  it('documents the 409 of two first links of one Xero user at once', async () => {
    // Both find no link and insert one: the unique key refuses the later insert. Whether the
    // race is lost depends on timing, so a few users are tried.
    const answers: TestResponse[] = [];
    for (let round = 0; round < 10 && !answers.some((a) => a.statusCode === 409); round++) {
      answers.push(
        ...(await Promise.all(
          Array.from({ length: 8 }, (_, i) =>
            h.call('PUT', `/links/u-race-${round}`, {
              token: h.tokens.admin,
              body: { nonHuman: true, justification: `service account ${i}` },
            }),
          ),
        )),
      );
    }
    expect(answers.map((a) => a.statusCode)).toContain(409);
    for (const answer of answers)
      expect(undocumented(served, 'PUT', '/links/{userId}', answer)).toEqual([]);
  });
});

describe('a rate-limited answer is as /openapi.json documents it', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('sqlite', { config: { rateLimitPerMinute: 1 } });
  });
  afterAll(async () => h?.close());

  it('429 with Retry-After and the X-RateLimit-* headers', async () => {
    const served: OpenApiDocument = (await h.call('GET', '/openapi.json')).json();
    expect((await h.call('GET', '/staff', { token: h.tokens.viewer })).statusCode).toBe(200);
    const limited = await h.call('GET', '/staff', { token: h.tokens.viewer });
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['x-ratelimit-remaining']).toBe('0');
    expect(undocumented(served, 'GET', '/staff', limited)).toEqual([]);
  });
});

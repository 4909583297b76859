import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  findingChangePageSchema,
  findingDetailSchema,
  findingEventSchema,
  findingPageSchema,
} from '../findings/findings.schemas.js';
import {
  auditEntrySchema,
  connectionViewSchema,
  decisionEventSchema,
  decisionSchema,
  linkSchema,
  listOf,
  pageOf,
  reviewReportSchema,
  reviewSchema,
  reviewWithProgressSchema,
  scimListSchema,
  snapshotChainSchema,
  snapshotDetailSchema,
  snapshotDiffBetweenSchema,
  snapshotEvidenceSchema,
  snapshotSchema,
  staffSchema,
  tokenSchema,
} from '../openapi/response-schemas.js';
import { TENANT, seedAcme } from './fixtures.js';
import { DIALECTS, startHarness, type Harness } from './harness.js';
import { undocumented, type OpenApiDocument } from './openapi-conformance.js';

/**
 * The documented response schemas are checked against real responses, so the contract cannot
 * drift: the zod schemas they are generated from, and the OpenAPI document the API serves (as a
 * client's validator reads it: ajv, OpenAPI 3.0's `nullable` included), headers too.
 */
describe.each(DIALECTS)(
  'responses match the OpenAPI response schemas on $dialect',
  ({ dialect }) => {
    let h: Harness;
    let ids: { finding: string; snapshot: string; first: string; review: string };
    let served: OpenApiDocument;
    beforeAll(async () => {
      h = await startHarness(dialect);
      const seeded = await seedAcme(h.model);
      await h.call('POST', '/staff/import', {
        token: h.tokens.admin,
        body: [{ email: 'olivia.chen@acme.example', name: 'Olivia Chen', orgRole: 'accountant' }],
      });
      await h.call('PUT', '/links/u-liam', {
        token: h.tokens.admin,
        body: { nonHuman: true, justification: 'bank feed' },
      });
      const review = await h.call('POST', '/reviews', {
        token: h.tokens.reviewer,
        body: { connection: 'finance/acme', tenantId: TENANT.tenantId, title: 'Q4' },
      });
      const { token: ritas } = await h.model.db.tokens.create({
        name: 'rita-reviews',
        role: 'reviewer',
        ownerEmail: 'rita@acme.example',
      });
      await h.call('PUT', `/reviews/${review.json().id}/items/u-jack`, {
        token: ritas,
        body: { decision: 'revoke', comment: 'unknown' },
      });
      // A second decision: the history then has a previousDecision of null and of a decision.
      await h.call('PUT', `/reviews/${review.json().id}/items/u-jack`, {
        token: ritas,
        body: { decision: 'change-role', newRole: 'READONLY' },
      });
      const finding = (await h.model.db.findings.list()).items[0]!;
      ids = {
        finding: finding.id,
        snapshot: seeded.second.id,
        first: seeded.first.id,
        review: review.json().id,
      };
      served = (await h.call('GET', '/openapi.json')).json();
    });
    afterAll(async () => h?.close());

    /** Each case is `GET <the path as the document names it>`. */
    const cases: [string, () => string, z.ZodType, 'viewer' | 'admin' | 'scim'][] = [
      ['GET /findings', () => '/findings', findingPageSchema, 'viewer'],
      ['GET /findings/{id}', () => `/findings/${ids.finding}`, findingDetailSchema, 'viewer'],
      ['GET /finding-events', () => '/finding-events', findingChangePageSchema, 'viewer'],
      [
        'GET /findings/{id}/history',
        () => `/findings/${ids.finding}/history`,
        pageOf(findingEventSchema),
        'viewer',
      ],
      [
        'GET /connections',
        () => '/connections',
        z.object({
          items: z.array(connectionViewSchema),
          kubernetes: z.string(),
          nextCursor: z.string().nullable(),
        }),
        'viewer',
      ],
      [
        'GET /connections/{namespace}/{name}',
        () => '/connections/finance/acme',
        connectionViewSchema,
        'viewer',
      ],
      [
        'GET /snapshots',
        () => '/snapshots?connection=finance/acme',
        pageOf(snapshotSchema),
        'viewer',
      ],
      ['GET /snapshots/{id}', () => `/snapshots/${ids.snapshot}`, snapshotDetailSchema, 'viewer'],
      [
        'GET /snapshots/{id}/export (JSON)',
        () => `/snapshots/${ids.snapshot}/export?format=json`,
        snapshotEvidenceSchema,
        'viewer',
      ],
      [
        'GET /snapshots/{id}/export (CSV)',
        () => `/snapshots/${ids.snapshot}/export?format=csv`,
        z.string().startsWith('userId,email,'),
        'viewer',
      ],
      [
        'GET /snapshots/diff',
        () => `/snapshots/diff?from=${ids.first}&to=${ids.snapshot}`,
        snapshotDiffBetweenSchema,
        'viewer',
      ],
      [
        'GET /snapshots/chain',
        () => `/snapshots/chain?connection=finance/acme&tenant=${TENANT.tenantId}`,
        snapshotChainSchema,
        'viewer',
      ],
      ['GET /staff', () => '/staff', pageOf(staffSchema), 'viewer'],
      ['GET /links', () => '/links', pageOf(linkSchema), 'viewer'],
      ['GET /reviews', () => '/reviews', pageOf(reviewSchema), 'viewer'],
      ['GET /reviews/{id}', () => `/reviews/${ids.review}`, reviewWithProgressSchema, 'viewer'],
      [
        'GET /reviews/{id}/items',
        () => `/reviews/${ids.review}/items`,
        pageOf(decisionSchema),
        'viewer',
      ],
      [
        'GET /reviews/{id}/items/{userId}/history',
        () => `/reviews/${ids.review}/items/u-jack/history`,
        listOf(decisionEventSchema),
        'viewer',
      ],
      [
        'GET /reviews/{id}/report',
        () => `/reviews/${ids.review}/report`,
        reviewReportSchema,
        'viewer',
      ],
      ['GET /tokens', () => '/tokens', pageOf(tokenSchema), 'admin'],
      ['GET /audit-log', () => '/audit-log', pageOf(auditEntrySchema), 'admin'],
      ['GET /scim/v2/Users', () => '/scim/v2/Users', scimListSchema, 'scim'],
    ];

    it.each(cases)('%s', async (name, url, schema, role) => {
      const response = await h.call('GET', url(), { token: h.tokens[role] });
      expect(response.statusCode).toBe(200);
      const json = String(response.headers['content-type']).includes('json');
      const parsed = schema.safeParse(json ? response.json() : response.body);
      expect(parsed.success ? [] : parsed.error.issues).toEqual([]);

      const path = name.slice('GET '.length).split(' ')[0]!;
      expect(undocumented(served, 'GET', path, response)).toEqual([]);
    });
  },
);

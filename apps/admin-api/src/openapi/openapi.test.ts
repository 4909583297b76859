import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { ApiOperation } from '@nestjs/swagger';
import { describe, expect, it } from 'vitest';
import { ACCESS_EXTENSION } from '../auth/access.decorator.js';
import { openApiOutputSchema } from '../http/zod-validation.js';
import { createOpenApiDocument } from './document.js';
import { ERROR_BODY_REF, SCIM_ERROR_REF } from './error-responses.js';
import { generateOpenApiDocument, generateOpenApiJson } from './generate.js';
import { snapshotEvidenceSchema } from './response-schemas.js';

const committed = fileURLToPath(new URL('../../openapi.json', import.meta.url));

interface Operation {
  operationId: string;
  parameters?: unknown[];
  requestBody?: unknown;
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
  [extension: string]: unknown;
}

async function operations() {
  const doc = (await generateOpenApiDocument()) as {
    paths: Record<string, Record<string, Operation>>;
  };
  return Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({
      route: `${method.toUpperCase()} ${path}`,
      op,
    })),
  );
}

/**
 * Generated clients name their methods after these: renaming one, or the route it names, breaks
 * them. Such a change is breaking (README, "Compatibility"): bump info.version with it.
 */
const OPERATION_IDS = {
  'GET /health/live': 'getLiveness',
  'GET /health/ready': 'getReadiness',
  'GET /health/dependencies': 'getDependencyHealth',
  'GET /findings': 'listFindings',
  'GET /findings/{id}': 'getFinding',
  'GET /findings/{id}/history': 'listFindingHistory',
  'POST /findings/{id}/accept': 'acceptFindingRisk',
  'DELETE /findings/{id}/acceptance': 'withdrawFindingAcceptance',
  'GET /finding-events': 'listFindingChanges',
  'GET /connections': 'listConnections',
  'GET /connections/{namespace}/{name}': 'getConnection',
  'GET /snapshots': 'listSnapshots',
  'GET /snapshots/diff': 'diffSnapshots',
  'GET /snapshots/chain': 'exportSnapshotChain',
  'GET /snapshots/{id}': 'getSnapshot',
  'GET /snapshots/{id}/export': 'exportSnapshotEvidence',
  'GET /staff': 'listStaff',
  'POST /staff': 'createStaffMember',
  'GET /staff/{id}': 'getStaffMember',
  'PATCH /staff/{id}': 'updateStaffMember',
  'POST /staff/import': 'importStaff',
  'GET /staff/{id}/export': 'exportStaffMemberData',
  'POST /staff/{id}/erase': 'eraseStaffMember',
  'GET /scim/v2/Users': 'listScimUsers',
  'POST /scim/v2/Users': 'createScimUser',
  'GET /scim/v2/Users/{id}': 'getScimUser',
  'PUT /scim/v2/Users/{id}': 'replaceScimUser',
  'PATCH /scim/v2/Users/{id}': 'patchScimUser',
  'DELETE /scim/v2/Users/{id}': 'deleteScimUser',
  'GET /scim/v2/ServiceProviderConfig': 'getScimServiceProviderConfig',
  'GET /links': 'listAccountLinks',
  'GET /links/{userId}': 'getAccountLink',
  'PUT /links/{userId}': 'setAccountLink',
  'DELETE /links/{userId}': 'deleteAccountLink',
  'GET /reviews': 'listReviews',
  'POST /reviews': 'startReview',
  'GET /reviews/{id}': 'getReview',
  'GET /reviews/{id}/items': 'listReviewItems',
  'PUT /reviews/{id}/items/{userId}': 'decideReviewItem',
  'GET /reviews/{id}/items/{userId}/history': 'listReviewItemHistory',
  'POST /reviews/{id}/complete': 'completeReview',
  'GET /reviews/{id}/report': 'getReviewReport',
  'POST /connections/{namespace}/{name}/connect': 'startXeroConnect',
  'GET /connect/callback': 'completeXeroConnect',
  'GET /tokens': 'listApiTokens',
  'POST /tokens': 'createApiToken',
  'DELETE /tokens/{id}': 'revokeApiToken',
  'GET /audit-log': 'listAuditEntries',
};

describe('OpenAPI document', () => {
  it('matches the committed openapi.json (regenerate with npm run openapi)', async () => {
    expect(await generateOpenApiJson()).toBe(readFileSync(committed, 'utf8'));
  });

  it('declares an access rule on every operation', async () => {
    const all = await operations();
    expect(all.length).toBeGreaterThan(30);
    for (const { route, op } of all) {
      expect(op[ACCESS_EXTENSION], route).toMatch(/^(viewer|reviewer|admin|scim|public)$/);
    }
  });

  it('names every operation with its stable operationId', async () => {
    const all = await operations();
    expect(Object.fromEntries(all.map(({ route, op }) => [route, op.operationId]))).toEqual(
      OPERATION_IDS,
    );
  });

  it('refuses a route without an explicit operationId (Nest would name it after the class)', async () => {
    @Controller('unnamed')
    class UnnamedController {
      @Get()
      @ApiOperation({ summary: 'No operationId' })
      read() {
        return {};
      }
    }
    @Module({ controllers: [UnnamedController] })
    class UnnamedModule {}
    const app = await NestFactory.create(UnnamedModule, new FastifyAdapter(), { logger: false });
    try {
      expect(() => createOpenApiDocument(app)).toThrow(
        'GET /unnamed (UnnamedController.read) has no operationId',
      );
    } finally {
      await app.close();
    }
  });

  it('documents the evidence export: JSON by its structure, CSV as text, and its headers', async () => {
    const { op } = (await operations()).find((o) => o.route === 'GET /snapshots/{id}/export')!;
    const ok = op.responses['200'] as {
      content: Record<string, { schema: Record<string, unknown> }>;
      headers: Record<string, { required?: boolean }>;
    };
    expect(Object.keys(ok.content).sort()).toEqual(['application/json', 'text/csv']);
    expect(ok.content['application/json']!.schema).toEqual(
      openApiOutputSchema(snapshotEvidenceSchema),
    );
    expect(ok.content['text/csv']!.schema.type).toBe('string');
    for (const header of [
      'Content-Disposition',
      'X-Content-SHA256',
      'X-Snapshot-Content-Hash',
      'X-Snapshot-Chain-Hash',
    ])
      expect(ok.headers[header]?.required, header).toBe(true);
  });

  it('documents the error shape of a 400 and a 500 on every operation, and of a 413 on every one with a body', async () => {
    for (const { route, op } of await operations()) {
      const statuses = /^(POST|PUT|PATCH|DELETE) /.test(route)
        ? ['400', '413', '500']
        : ['400', '500'];
      const [mediaType, ref] = route.includes(' /scim/')
        ? ['application/scim+json', SCIM_ERROR_REF]
        : ['application/json', ERROR_BODY_REF];
      for (const status of statuses)
        expect(op.responses[status]?.content?.[mediaType]?.schema, `${route} ${status}`).toEqual({
          $ref: ref,
        });
    }
  });

  it("gives each of the staff import's media types its own body schema", async () => {
    const { op } = (await operations()).find((o) => o.route === 'POST /staff/import')!;
    const content = (op.requestBody as { content: Record<string, { schema: { type?: string } }> })
      .content;
    expect(Object.keys(content).sort()).toEqual(['application/json', 'text/csv']);
    expect(content['application/json']!.schema.type).toBe('array');
    expect(content['text/csv']!.schema.type).toBe('string');
    expect(JSON.stringify(op)).not.toContain('x-body-per-media-type');
  });

  it('documents the default order of GET /findings', async () => {
    const { op } = (await operations()).find((o) => o.route === 'GET /findings')!;
    const order = (op.parameters as { name: string; schema: { default?: unknown } }[]).find(
      (p) => p.name === 'order',
    )!;
    expect(order.schema.default).toBe('desc');
  });

  it("documents POST /reviews' 409: the open campaign's id in reviewId and its path in Location", async () => {
    const { op } = (await operations()).find((o) => o.route === 'POST /reviews')!;
    const conflict = op.responses['409'] as {
      content: Record<string, { schema: { required?: string[]; properties?: object } }>;
      headers: Record<string, { required?: boolean }>;
    };
    const schema = conflict.content['application/json']!.schema;
    expect(schema.required).toContain('reviewId');
    expect(Object.keys(schema.properties ?? {})).toEqual(
      expect.arrayContaining(['statusCode', 'error', 'message', 'reviewId']),
    );
    expect(conflict.headers.Location?.required).toBe(true);
  });
});

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AdminClient } from '@xero-access/stack';
import { createTestDatabase, type TestDatabase } from '@xero-access/testing';
import { describe, expect, it } from 'vitest';
import { startFaultStack } from '../src/fault-stack.js';
import { faultCommand, recordFaultResult } from '../src/record.js';
import {
  CONFORMANCE_CHECKS,
  SCHEMATHESIS_VERSION,
  fuzz,
  schemathesisCli,
  type FuzzSummary,
} from '../src/schemathesis.js';

const ADMIN_SECONDS = Number(process.env.FAULTS_FUZZ_SECONDS ?? 120);
const SCIM_SECONDS = 40;
const SEED = 8;
const MAX_EXAMPLES = 10;

interface Run {
  dialect: string;
  credential: 'admin' | 'scim';
  summary: FuzzSummary;
}

const serverErrors = (s: FuzzSummary) =>
  Object.entries(s.statuses)
    .filter(([status]) => Number(status) >= 500)
    .reduce((n, [, count]) => n + count, 0);

/** Anything a conformance check found besides server errors: a response that breaks its schema. */
const schemaViolations = (s: FuzzSummary) =>
  Object.entries(s.failures)
    .filter(([kind]) => !kind.startsWith('ST101'))
    .reduce((n, [, count]) => n + count, 0);

/**
 * One review campaign, so the fuzzer finds review ids (GET /reviews) and gets past 404 on the
 * review routes: without one it never saw a 2xx there, and reported GET /reviews/{id} as
 * answering "only 401" (its probe without a token; see apps/admin-api review-ids.int.test.ts).
 */
async function seedReview(admin: AdminClient): Promise<void> {
  const acme = await admin.request<{ tenants: { tenantId: string }[] }>(
    'GET',
    '/connections/finance/acme',
  );
  await admin.request('POST', '/reviews', {
    connection: 'finance/acme',
    tenantId: acme.tenants[0]!.tenantId,
    title: 'Fuzzing seed',
  });
}

/**
 * The admin API fuzzed from its own OpenAPI document, on the embedded SQLite (shared with the
 * reconciler, as in the demo) and on PostgreSQL: never a 5xx, and every answer (status, media
 * type, documented headers, body) is the one the document describes. Admin token for everything
 * but SCIM; the SCIM token for SCIM.
 */
describe('admin API fuzzed by schemathesis', () => {
  const runs: Run[] = [];

  it.each(['sqlite', 'postgresql'] as const)(
    'answers every generated request as documented, without a server error, on %s',
    async (dialect) => {
      schemathesisCli();
      let db: TestDatabase | undefined;
      const fs = await (async () => {
        if (dialect === 'postgresql') db = await createTestDatabase('fuzz');
        return startFaultStack(`fuzz-${dialect}`, db ? { databaseUrl: db.url } : {});
      })().catch(async (error: unknown) => {
        await db?.drop();
        throw error;
      });
      try {
        const { stack } = fs;
        await seedReview(stack.admin);
        const scimToken = (
          await stack.admin.request<{ token: string }>('POST', '/tokens', {
            name: 'fuzz-scim',
            role: 'scim',
          })
        ).token;
        const common = {
          schemaUrl: `${stack.admin.baseUrl}/openapi.json`,
          checks: CONFORMANCE_CHECKS,
          maxExamples: MAX_EXAMPLES,
          seed: SEED,
          // RATE_LIMIT_PER_MINUTE defaults to 600 per credential.
          rateLimit: '9/s',
        };
        const passes = [
          {
            credential: 'admin' as const,
            token: stack.adminToken,
            maxTimeSeconds: ADMIN_SECONDS,
            excludePathRegex: '^/scim/',
            // Revoking a token is fine, but the stateful phase revokes the fuzzer's own (listed by
            // GET /tokens), after which every answer is 401 and nothing more is tested.
            excludeOperationIds: ['revokeApiToken'],
          },
          {
            credential: 'scim' as const,
            token: scimToken,
            maxTimeSeconds: SCIM_SECONDS,
            includePathRegex: '^/scim/',
          },
        ];
        for (const pass of passes) {
          const reportDir = join(fs.dir, `schemathesis-${pass.credential}`);
          const result = fuzz({ ...common, ...pass, reportDir });
          writeFileSync(join(reportDir, 'output.txt'), result.output);
          console.log(
            `${dialect}, ${pass.credential} token: ${JSON.stringify(result.summary)}\nfull output: ${reportDir}/output.txt`,
          );
          expect(result.output).not.toContain(stack.adminToken);
          expect(result.output).not.toContain(scimToken);
          expect(result.summary.operations).toBeGreaterThan(pass.credential === 'admin' ? 30 : 4);
          expect(serverErrors(result.summary), result.output.slice(-4000)).toBe(0);
          expect(result.summary.failures, result.output.slice(-4000)).toEqual({});
          expect(result.status, result.output.slice(-4000)).toBe(0);
          runs.push({ dialect, credential: pass.credential, summary: result.summary });
        }
      } finally {
        await fs.stack.stop();
        await db?.drop();
      }
    },
    (ADMIN_SECONDS + SCIM_SECONDS + 300) * 1000,
  );

  it('records the result row', async () => {
    expect(runs).toHaveLength(4);
    const held = runs
      .map(
        (r) =>
          `${r.dialect} ${r.credential}: ${r.summary.operations} operations, ${r.summary.testCases} test cases, ` +
          `${r.summary.requests} requests, ${serverErrors(r.summary)} server errors, ${schemaViolations(r.summary)} schema violations`,
      )
      .join('; ');
    await recordFaultResult({
      id: 'admin-api-fuzz',
      kind: 'bad-input',
      title: 'Admin API fuzz (schemathesis, response conformance)',
      injected:
        `schemathesis ${SCHEMATHESIS_VERSION} from the served /openapi.json, checks ${CONFORMANCE_CHECKS.join(', ')}; ` +
        `${MAX_EXAMPLES} examples per operation, seed ${SEED}, 9 req/s; admin token for ${ADMIN_SECONDS} s ` +
        `(every route but SCIM and DELETE /tokens/{id}), SCIM token for ${SCIM_SECONDS} s (SCIM routes); ` +
        'on SQLite shared with the reconciler and on PostgreSQL',
      held: `no 5xx and no answer outside its documented status, media type, headers or schema: ${held}`,
      dataLost: 0,
      dataChecked:
        'not counted: no fuzzed route deletes snapshots, findings or tokens (DELETE /tokens/{id} excluded)',
      command: faultCommand('admin-api-fuzz.fault.test.ts'),
    });
  });
});

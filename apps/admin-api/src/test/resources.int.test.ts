import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { serviceUrls } from '@xero-access/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reevaluationKeys } from '@xero-access/model';
import { CONNECTION, TENANT, seedAcme } from './fixtures.js';
import { DIALECTS, startHarness, type Harness } from './harness.js';

const cli = fileURLToPath(new URL('../cli.ts', import.meta.url));
const runCli = (args: string[]) =>
  promisify(execFile)(process.execPath, ['--import', 'tsx', cli, ...args], {
    timeout: 60_000,
  }).then(
    (r) => ({ code: 0, stdout: r.stdout }),
    (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
  );
/** The model package's `xao-model` command, as an auditor installs it. */
const modelCli = join(
  dirname(createRequire(import.meta.url).resolve('@xero-access/model/package.json')),
  'dist/cli/main.js',
);
const runModelCli = (args: string[]) =>
  promisify(execFile)(process.execPath, [modelCli, ...args], { timeout: 60_000 }).then(
    (r) => ({ code: 0, stdout: r.stdout }),
    (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
  );
const committedOpenApi = fileURLToPath(new URL('../../openapi.json', import.meta.url));

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** Canonical JSON as an auditor's script would write it: every object's keys sorted. */
function sortedKeysJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(sortedKeysJson).join(',')}]`;
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${sortedKeysJson(v)}`).join(',')}}`;
}

describe.each(DIALECTS)('admin API resources on $dialect', ({ dialect }) => {
  let h: Harness;
  let seeded: Awaited<ReturnType<typeof seedAcme>>;
  beforeAll(async () => {
    h = await startHarness(dialect);
    seeded = await seedAcme(h.model);
  });
  afterAll(async () => h?.close());

  it('answers health without a token', async () => {
    expect((await h.call('GET', '/health/live')).json()).toEqual({ status: 'ok' });
    const ready = await h.call('GET', '/health/ready');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ok' });
    expect((await h.call('GET', '/health/dependencies')).json().checks).toEqual([
      { name: 'database', ok: true },
      { name: 'redis', ok: true },
    ]);
  });

  it('serves the OpenAPI document it was generated from, and interactive docs', async () => {
    const served = await h.call('GET', '/openapi.json');
    expect(served.statusCode).toBe(200);
    expect(served.json()).toEqual(JSON.parse(readFileSync(committedOpenApi, 'utf8')));
    const docs = await h.call('GET', '/docs');
    expect(docs.headers['content-type']).toMatch(/^text\/html/);
    expect(docs.body).toContain('/docs/assets/swagger-ui-bundle.js');
    expect((await h.call('GET', '/docs/assets/swagger-ui-bundle.js')).statusCode).toBe(200);
    expect((await h.call('GET', '/docs/assets/..%2Fpackage.json')).statusCode).toBe(404);
  });

  describe('findings', () => {
    it('lists with filters', async () => {
      const all = await h.call('GET', '/findings', { token: h.tokens.viewer });
      expect(all.statusCode).toBe(200);
      expect(all.json().items).toHaveLength(3);
      const high = await h.call(
        'GET',
        '/findings?severity=high&connection=finance/acme&status=open',
        { token: h.tokens.viewer },
      );
      expect(
        high
          .json()
          .items.map((f: { check: string }) => f.check)
          .sort(),
      ).toEqual(['critical-system-access-configured', 'offboarded-access-removed']);
      const bySubject = await h.call(
        'GET',
        `/findings?subject=u-jack&tenant=${TENANT.tenantId}&check=user-identified`,
        { token: h.tokens.viewer },
      );
      expect(bySubject.json().items).toHaveLength(1);
      const future = await h.call('GET', '/findings?since=2999-01-01T00:00:00Z', {
        token: h.tokens.viewer,
      });
      expect(future.json().items).toEqual([]);
      // Typed unencoded, as New Zealand users write it: the query string turns `+13:00` into ` 13:00`.
      const unencoded = await h.call('GET', '/findings?since=2999-01-01T00:00:00+13:00', {
        token: h.tokens.viewer,
      });
      expect(unencoded.statusCode).toBe(200);
      expect(unencoded.json().items).toEqual([]);
      const none = await h.call('GET', '/findings?connection=other/none', {
        token: h.tokens.viewer,
      });
      expect(none.json()).toEqual({ items: [], nextCursor: null });
    });

    it('paginates with an opaque cursor, every finding exactly once', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await h.call(
          'GET',
          `/findings?limit=1&sort=firstSeenAt&order=asc${cursor ? `&cursor=${cursor}` : ''}`,
          { token: h.tokens.viewer },
        );
        expect(page.statusCode).toBe(200);
        const body = page.json();
        seen.push(...body.items.map((f: { id: string }) => f.id));
        cursor = body.nextCursor;
      } while (cursor);
      expect(seen).toHaveLength(3);
      expect(new Set(seen).size).toBe(3);
    });

    it('shows a finding with the snapshot that evidences it and the subject as recorded', async () => {
      const jack = (
        await h.call('GET', '/findings?subject=u-jack', { token: h.tokens.viewer })
      ).json().items[0];
      const detail = await h.call('GET', `/findings/${jack.id}`, { token: h.tokens.viewer });
      expect(detail.statusCode).toBe(200);
      const body = detail.json();
      expect(body.evidence.snapshot).toMatchObject({
        id: seeded.second.id,
        chainHash: seeded.second.chainHash,
        contentHash: seeded.second.contentHash,
      });
      expect(body.evidence.subjectUser).toMatchObject({
        userId: 'u-jack',
        email: 'jack.taylor@gmail.example',
      });
      expect(
        (
          await h.call('GET', '/findings/0190f0d2-0000-7000-8000-000000000000', {
            token: h.tokens.viewer,
          })
        ).statusCode,
      ).toBe(404);
    });

    it('accepts a risk with reason, expiry and who, and records it in the history', async () => {
      const jack = (
        await h.call('GET', '/findings?subject=u-jack', { token: h.tokens.viewer })
      ).json().items[0];
      const until = new Date(Date.now() + 30 * 86_400_000).toISOString();
      const pending = reevaluationKeys(h.prefix).pending;
      await h.redis.del(pending);
      const accepted = await h.call('POST', `/findings/${jack.id}/accept`, {
        token: h.tokens.admin,
        body: { reason: 'contractor until Q1', expiresAt: until },
      });
      expect(accepted.statusCode).toBe(200);
      expect(accepted.json().finding).toMatchObject({
        status: 'accepted',
        acceptedRisk: { reason: 'contractor until Q1', by: 'token:test-admin', until },
      });
      const history = (
        await h.call('GET', `/findings/${jack.id}/history`, { token: h.tokens.viewer })
      ).json().items;
      expect(history.map((e: { type: string }) => e.type)).toEqual(['opened', 'accepted']);
      // The reconciler is asked to sync the connection (open counts, and the expiry's schedule).
      expect(await h.redis.smembers(pending)).toEqual(['finance/acme']);
      await h.redis.del(pending);
      const past = await h.call('POST', `/findings/${jack.id}/accept`, {
        token: h.tokens.admin,
        body: { reason: 'x', expiresAt: '2020-01-01T00:00:00Z' },
      });
      expect(past.statusCode).toBe(400);
      expect(past.json()).toMatchObject({
        field: 'body.expiresAt',
        message: expect.stringMatching(
          /^body\.expiresAt: must be in the future and at most 365 days/,
        ),
      });
      const revoked = await h.call('DELETE', `/findings/${jack.id}/acceptance`, {
        token: h.tokens.admin,
      });
      expect(revoked.json().finding.status).toBe('open');
      expect(await h.redis.smembers(pending)).toEqual(['finance/acme']);
    });
  });

  describe('snapshots', () => {
    it('lists, shows users, and diffs any two', async () => {
      const list = (
        await h.call('GET', '/snapshots?connection=finance/acme', { token: h.tokens.viewer })
      ).json();
      expect(list.items.map((s: { sequence: number }) => s.sequence)).toEqual([2, 1]);
      const detail = (
        await h.call('GET', `/snapshots/${seeded.first.id}`, { token: h.tokens.viewer })
      ).json();
      expect(detail.users.map((u: { userId: string }) => u.userId)).toEqual([
        'u-emma',
        'u-jack',
        'u-olivia',
      ]);
      const diff = (
        await h.call('GET', `/snapshots/diff?from=${seeded.first.id}&to=${seeded.second.id}`, {
          token: h.tokens.viewer,
        })
      ).json();
      expect(diff.diff.joiners.map((u: { userId: string }) => u.userId)).toEqual(['u-liam']);
      expect(diff.diff.roleChanges).toEqual([
        { userId: 'u-emma', email: 'emma.brown@acme.example', from: 'ADVISER', to: 'STANDARD' },
      ]);
    });

    it('exports JSON and CSV evidence whose digests check out', async () => {
      const json = await h.call('GET', `/snapshots/${seeded.second.id}/export`, {
        token: h.tokens.viewer,
      });
      expect(json.headers['x-content-sha256']).toBe(sha256(json.body));
      // Sequences count per tenant: the name says whose snapshot 2 this is.
      expect(json.headers['content-disposition']).toBe(
        `attachment; filename="snapshot-finance-acme-${TENANT.tenantId}-2.json"`,
      );
      const evidence = json.json();
      expect(sha256(evidence.contentText)).toBe(seeded.second.contentHash);
      expect(evidence.digests.contentSha256).toBe(seeded.second.contentHash);
      const csv = await h.call('GET', `/snapshots/${seeded.second.id}/export?format=csv`, {
        token: h.tokens.viewer,
      });
      expect(csv.headers['content-type']).toMatch(/^text\/csv/);
      expect(csv.headers['content-disposition']).toBe(
        `attachment; filename="snapshot-finance-acme-${TENANT.tenantId}-2.csv"`,
      );
      expect(csv.headers['x-content-sha256']).toBe(sha256(csv.body));
      expect(sha256(csv.body)).toBe(evidence.digests.usersCsvSha256);
      expect(csv.body.split('\r\n')[0]).toBe(
        'userId,email,firstName,lastName,organisationRole,isSubscriber,updatedDateUtc,twoFactorEnabled,lastLoginAt',
      );
    });

    it('serves the hash chain with a passing verification', async () => {
      const chain = (
        await h.call('GET', `/snapshots/chain?connection=finance/acme&tenant=${TENANT.tenantId}`, {
          token: h.tokens.viewer,
        })
      ).json();
      expect(chain).toMatchObject({ kind: 'xero-access-snapshot-chain', version: 2 });
      expect(chain.records).toHaveLength(2);
      expect(Object.keys(chain.contents).sort()).toEqual(
        [...new Set([seeded.first.contentHash, seeded.second.contentHash])].sort(),
      );
      expect(chain.verification).toMatchObject({
        ok: true,
        length: 2,
        headHash: seeded.second.chainHash,
        problems: [],
      });
      // A mistyped tenant has no chain to verify: not found, never "ok".
      const unknown = await h.call('GET', '/snapshots/chain?connection=finance/acme&tenant=nope', {
        token: h.tokens.viewer,
      });
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json().message).toBe('snapshot chain of finance/acme tenant nope not found');
    });

    it('verifies an exported chain offline with the documented command, and catches tampering', async () => {
      const chain = (
        await h.call('GET', `/snapshots/chain?connection=finance/acme&tenant=${TENANT.tenantId}`, {
          token: h.tokens.viewer,
        })
      ).body;
      const dir = mkdtempSync(join(tmpdir(), 'xao-chain-'));
      writeFileSync(join(dir, 'chain.json'), chain);
      const tampered = JSON.parse(chain);
      const firstContent = tampered.records[0].contentHash;
      tampered.contents[firstContent] = tampered.contents[firstContent].replace(
        'STANDARD',
        'READONLY',
      );
      writeFileSync(join(dir, 'tampered.json'), JSON.stringify(tampered));
      // The admin API's own CLI and the model's xao-model read the same download.
      for (const verifier of [runCli, runModelCli]) {
        const good = await verifier(['verify-chain', '--file', join(dir, 'chain.json')]);
        expect(good.code).toBe(0);
        expect(JSON.parse(good.stdout)).toMatchObject({ ok: true, length: 2 });
        const bad = await verifier(['verify-chain', '--file', join(dir, 'tampered.json')]);
        expect(bad.code).toBe(1);
        expect(JSON.parse(bad.stdout).problems[0]).toMatchObject({
          problem: 'content-hash-mismatch',
          sequence: 1,
        });
      }
    });
  });

  describe('staff directory, links and re-evaluation', () => {
    let subscriber: Redis;
    const messages: string[] = [];
    beforeAll(async () => {
      subscriber = new Redis(serviceUrls.redis);
      await subscriber.subscribe(reevaluationKeys(h.prefix).channel);
      subscriber.on('message', (_channel, message) => messages.push(message));
    });
    afterAll(() => subscriber?.disconnect());

    const published = () =>
      messages.map((m) => JSON.parse(m) as { connections: string[]; reason: string });
    const waitForReason = async (reason: string) => {
      for (let i = 0; i < 250 && !published().some((m) => m.reason === reason); i++)
        await new Promise((r) => setTimeout(r, 20));
      return published();
    };

    it('imports CSV and JSON, upserting by email, and re-evaluates the connections holding those people', async () => {
      const csv =
        'email,name,orgRole,status,offboardedAt,externalId\r\nolivia.chen@acme.example,Olivia Chen,accountant,,,\r\nemma.brown@acme.example,Emma Brown,accountant,offboarded,2026-11-01T00:00:00Z,\r\n';
      const imported = await h.call('POST', '/staff/import', {
        token: h.tokens.admin,
        rawBody: csv,
        headers: { 'content-type': 'text/csv' },
      });
      expect(imported.statusCode).toBe(200);
      expect(imported.json()).toEqual({
        created: 2,
        updated: 0,
        unchanged: 0,
        skipped: 0,
        reevaluated: ['finance/acme'],
        notReevaluated: [],
      });
      const again = await h.call('POST', '/staff/import', {
        token: h.tokens.admin,
        body: [
          { email: 'OLIVIA.CHEN@acme.example', name: 'Olivia Chen', orgRole: 'controller' },
          { email: 'nobody@else.example', name: 'No Body' },
        ],
      });
      expect(again.json()).toMatchObject({ created: 1, updated: 1, unchanged: 0 });
      const members = (
        await h.call('GET', '/staff?status=offboarded', { token: h.tokens.viewer })
      ).json().items;
      expect(members).toEqual([
        expect.objectContaining({
          email: 'emma.brown@acme.example',
          offboardedAt: '2026-11-01T00:00:00.000Z',
        }),
      ]);
      expect((await waitForReason('staff.import'))[0]).toMatchObject({
        connections: ['finance/acme'],
        reason: 'staff.import',
      });
      expect(await h.redis.smembers(reevaluationKeys(h.prefix).pending)).toEqual(['finance/acme']);
    });

    it('creates and offboards one person, naming a bad field', async () => {
      const created = await h.call('POST', '/staff', {
        token: h.tokens.admin,
        body: { email: 'Jack.Taylor@gmail.example', name: 'Jack Taylor', orgRole: 'contractor' },
      });
      expect(created.statusCode).toBe(201);
      expect(created.json()).toMatchObject({
        email: 'jack.taylor@gmail.example',
        status: 'active',
        reevaluated: ['finance/acme'],
      });
      const offboarded = await h.call('PATCH', `/staff/${created.json().id}`, {
        token: h.tokens.admin,
        body: { status: 'offboarded' },
      });
      expect(offboarded.json()).toMatchObject({
        status: 'offboarded',
        offboardedAt: expect.any(String),
      });
      const bad = await h.call('PATCH', `/staff/${created.json().id}`, {
        token: h.tokens.admin,
        body: { email: 'nope' },
      });
      expect(bad.json()).toMatchObject({ statusCode: 400, field: 'body.email' });
      // A leaving time ahead of now would hold off offboarded-access-removed until then.
      const ahead = await h.call('PATCH', `/staff/${created.json().id}`, {
        token: h.tokens.admin,
        body: { status: 'offboarded', offboardedAt: '2099-01-01T00:00:00Z' },
      });
      expect(ahead.json()).toMatchObject({ statusCode: 400, field: 'body.offboardedAt' });
      expect(ahead.json().message).toContain('is in the future');
      const aheadInCsv = await h.call('POST', '/staff/import', {
        token: h.tokens.admin,
        rawBody:
          'email,name,status,offboardedAt\r\nlater@acme.example,Later,offboarded,2099-01-01T00:00:00Z\r\n',
        headers: { 'content-type': 'text/csv' },
      });
      expect(aheadInCsv.json()).toMatchObject({
        statusCode: 400,
        field: 'body.line 2.offboardedAt',
      });
      const duplicate = await h.call('POST', '/staff', {
        token: h.tokens.admin,
        body: { email: 'jack.taylor@gmail.example', name: 'J' },
      });
      expect(duplicate.statusCode).toBe(409);
    });

    it('names the CSV line and column at fault', async () => {
      const bad = await h.call('POST', '/staff/import', {
        token: h.tokens.admin,
        rawBody: 'email,name,colour\r\na@b.example,A,blue\r\n',
        headers: { 'content-type': 'text/csv' },
      });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().field).toBe('body.line 1');
      expect(bad.json().message).toMatch(/^body\.line 1: unknown column "colour"/);
      const missing = await h.call('POST', '/staff/import', {
        token: h.tokens.admin,
        rawBody: 'email,name\r\na@b.example,\r\n',
        headers: { 'content-type': 'text/csv' },
      });
      expect(missing.json().message).toBe('body.line 2.name: is required');
      // Checked by the directory itself (emails, duplicates): still named by line.
      const duplicate = await h.call('POST', '/staff/import', {
        token: h.tokens.admin,
        rawBody: 'email,name\r\na@b.example,A\r\nA@b.example,B\r\n',
        headers: { 'content-type': 'text/csv' },
      });
      expect(duplicate.json()).toMatchObject({ statusCode: 400, field: 'body.line 3.email' });
      expect(duplicate.json().message).toMatch(
        /^body\.line 3\.email: a@b\.example appears more than once/,
      );
    });

    it('links a Xero user to a person or as non-human, and re-evaluates at once', async () => {
      const olivia = (
        await h.call('GET', '/staff?email=olivia.chen@acme.example', { token: h.tokens.viewer })
      ).json().items[0];
      const linked = await h.call('PUT', '/links/u-jack', {
        token: h.tokens.admin,
        body: { staffId: olivia.id },
      });
      expect(linked.statusCode).toBe(200);
      expect(linked.json()).toMatchObject({
        userId: 'u-jack',
        staffId: olivia.id,
        nonHuman: false,
        createdBy: 'token:test-admin',
        reevaluated: ['finance/acme'],
      });
      const service = await h.call('PUT', '/links/u-liam', {
        token: h.tokens.admin,
        body: { nonHuman: true, justification: 'bank feed integration' },
      });
      expect(service.json()).toMatchObject({
        nonHuman: true,
        justification: 'bank feed integration',
      });
      const noReason = await h.call('PUT', '/links/u-liam', {
        token: h.tokens.admin,
        body: { nonHuman: true, justification: ' ' },
      });
      expect(noReason.statusCode).toBe(400);
      const elsewhere = await h.call('PUT', '/links/u-not-in-any-snapshot', {
        token: h.tokens.admin,
        body: { nonHuman: true, justification: 'x' },
      });
      expect(elsewhere.json().reevaluated).toEqual([]);
      expect(
        (await h.call('GET', '/links', { token: h.tokens.viewer }))
          .json()
          .items.map((l: { userId: string }) => l.userId),
      ).toEqual(['u-jack', 'u-liam', 'u-not-in-any-snapshot']);
      expect(
        (await h.call('DELETE', '/links/u-liam', { token: h.tokens.admin })).json(),
      ).toMatchObject({ deleted: true, reevaluated: ['finance/acme'] });
      const reasons = (await waitForReason('link.delete')).map((m) => m.reason);
      expect(reasons).toEqual(expect.arrayContaining(['link.put', 'link.delete']));
    });
  });

  describe('access reviews', () => {
    it('runs a campaign: decisions, progress, completion, report, revoke awaiting a later snapshot', async () => {
      const created = await h.call('POST', '/reviews', {
        token: h.tokens.reviewer,
        body: { connection: 'finance/acme', tenantId: TENANT.tenantId, title: 'Q4 review' },
      });
      expect(created.statusCode).toBe(201);
      const review = created.json();
      expect(review.progress).toMatchObject({ total: 4, undecided: 4 });
      // Deciding needs a person (separation of duties); completing does not.
      const { token: ritas } = await h.model.db.tokens.create({
        name: 'rita-reviews',
        role: 'reviewer',
        ownerEmail: 'rita@acme.example',
      });
      const decide = (userId: string, body: unknown) =>
        h.call('PUT', `/reviews/${review.id}/items/${userId}`, { token: ritas, body });
      expect(
        (await decide('u-olivia', { decision: 'keep', comment: 'finance lead' })).statusCode,
      ).toBe(200);
      expect(
        (await decide('u-jack', { decision: 'revoke', comment: 'unknown person' })).json(),
      ).toMatchObject({ decision: 'revoke', decidedBy: 'token:rita-reviews' });
      expect((await decide('u-emma', { decision: 'change-role' })).json()).toMatchObject({
        field: 'body.newRole',
      });
      await decide('u-emma', { decision: 'change-role', newRole: 'READONLY' });
      expect(
        (await h.call('POST', `/reviews/${review.id}/complete`, { token: h.tokens.reviewer }))
          .statusCode,
      ).toBe(409);
      await decide('u-liam', { decision: 'keep' });
      const completed = await h.call('POST', `/reviews/${review.id}/complete`, {
        token: h.tokens.reviewer,
      });
      expect(completed.json()).toMatchObject({
        status: 'completed',
        completedBy: 'token:test-reviewer',
        progress: { decided: 4, awaitingRemediation: 2 },
      });

      // Jack's access disappears in a later snapshot: his revoke is remediated; Emma's role change is not yet.
      const users = (await h.model.db.snapshots.users(seeded.second.id)).filter(
        (u) => u.userId !== 'u-jack',
      );
      // Taken after the decisions: a sync whose users were fetched before them does not count.
      await h.model.db.snapshots.record(CONNECTION, TENANT, users, new Date());
      const report = (
        await h.call('GET', `/reviews/${review.id}/report`, { token: h.tokens.viewer })
      ).json();
      expect(report.openRemediations.map((d: { userId: string }) => d.userId)).toEqual(['u-emma']);
      // The digest: sha256 of the report without generatedAt and itself, keys sorted, no spaces.
      const { sha256: digest, generatedAt: _, ...content } = report;
      expect(digest).toBe(sha256(sortedKeysJson(content)));
      expect(report.snapshot.chainHash).toBe(seeded.second.chainHash);
      await new Promise((r) => setTimeout(r, 5));
      const again = (
        await h.call('GET', `/reviews/${review.id}/report`, { token: h.tokens.viewer })
      ).json();
      expect(again.generatedAt).not.toBe(report.generatedAt);
      expect(again.sha256).toBe(digest);
    });
  });

  it('records every write in the audit log: who, what, when, from where', async () => {
    const log = await h.call('GET', '/audit-log?limit=500', { token: h.tokens.admin });
    const entries = log.json().items as {
      action: string;
      actor: string;
      sourceIp: string;
      outcome: string;
      at: string;
    }[];
    expect(
      entries.find((e) => e.action === 'POST /findings/:id/accept' && e.outcome === 'success'),
    ).toMatchObject({ actor: 'token:test-admin', sourceIp: '127.0.0.1' });
    expect(
      entries.find((e) => e.action === 'POST /findings/:id/accept' && e.outcome === 'failure'),
    ).toBeDefined();
    expect(
      entries.some((e) => e.action === 'PUT /links/:userId' && e.actor === 'token:test-admin'),
    ).toBe(true);
    expect(entries.some((e) => e.action.startsWith('GET'))).toBe(false);
  });

  it('records the status the caller got and the id a create made', async () => {
    const log = await h.call('GET', '/audit-log?limit=500', { token: h.tokens.admin });
    const entries = log.json().items as {
      action: string;
      outcome: string;
      resourceId: string | null;
      details: { status: number };
    }[];
    const jack = (
      await h.call('GET', '/staff?email=jack.taylor@gmail.example', {
        token: h.tokens.admin,
      })
    ).json().items[0] as { id: string };
    const about = (action: string, outcome: string) =>
      entries
        .filter((e) => e.action === action && e.outcome === outcome)
        .map((e) => [e.resourceId, e.details.status]);
    expect(about('POST /staff', 'success')).toContainEqual([jack.id, 201]);
    // The duplicate email is the model's ConflictError, not an HttpException: still a 409.
    expect(about('POST /staff', 'failure')).toContainEqual([null, 409]);
    expect(about('PATCH /staff/:id', 'failure')).toContainEqual([jack.id, 400]);
  });

  it('creates API tokens shown once, lists them without secrets, and revokes them', async () => {
    const created = await h.call('POST', '/tokens', {
      token: h.tokens.admin,
      body: { name: 'ci', role: 'viewer' },
    });
    expect(created.statusCode).toBe(201);
    const { token, id } = created.json();
    expect(token).toMatch(/^xao_/);
    expect((await h.call('GET', '/findings', { token })).statusCode).toBe(200);
    const listed = (await h.call('GET', '/tokens', { token: h.tokens.admin })).body;
    expect(listed).not.toContain(token);
    await h.call('DELETE', `/tokens/${id}`, { token: h.tokens.admin });
    expect((await h.call('GET', '/findings', { token })).statusCode).toBe(401);
  });
});

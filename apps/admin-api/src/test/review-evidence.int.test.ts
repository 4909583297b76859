import { createHash } from 'node:crypto';
import { canonicalJson } from '@xero-access/model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONNECTION, TENANT, seedAcme } from './fixtures.js';
import { DIALECTS, startHarness, type Harness } from './harness.js';
import { startOidcIssuer, type OidcIssuer } from './oidc-issuer.js';

interface DecisionEvent {
  userId: string;
  decision: string;
  previousDecision: string | null;
  comment: string | null;
  decidedBy: string;
  decidedAt: string;
}

const BAD_CURSOR_MESSAGE =
  'query.cursor: is not a cursor returned by this listing (or belongs to another sort)';

describe.each(DIALECTS)('access reviews as audit evidence on $dialect', ({ dialect }) => {
  let issuer: OidcIssuer;
  let h: Harness;
  /** Ravi's personal API token: it names him, so he may decide (he has no Xero user). */
  let ravis: string;
  beforeAll(async () => {
    issuer = await startOidcIssuer({ reviewers: 'reviewer', 'sec-team': 'admin' });
    h = await startHarness(dialect, { oidc: issuer.verifier });
    await seedAcme(h.model);
    ({ token: ravis } = await h.model.db.tokens.create({
      name: 'ravi-reviews',
      role: 'reviewer',
      ownerEmail: 'ravi@acme.example',
    }));
  });
  afterAll(async () => {
    await h?.close();
    await issuer?.close();
  });

  const reviewer = (email: string) =>
    issuer.jwt({ groups: ['reviewers'], email, email_verified: true });
  /** A campaign over a sync of its own: one snapshot has one open campaign at most. */
  const startReview = async (title: string): Promise<string> => {
    const latest = await h.model.db.snapshots.latest(CONNECTION, TENANT.tenantId);
    await h.model.db.snapshots.record(
      CONNECTION,
      TENANT,
      await h.model.db.snapshots.users(latest!.id),
      new Date(),
    );
    const created = await h.call('POST', '/reviews', {
      token: h.tokens.reviewer,
      body: { connection: 'finance/acme', tenantId: TENANT.tenantId, title },
    });
    expect(created.statusCode, created.body).toBe(201);
    return created.json().id;
  };
  const decide = async (reviewId: string, userId: string, token: string, body: unknown) =>
    h.call('PUT', `/reviews/${reviewId}/items/${userId}`, { token, body });

  it('keeps every decision on a user: a revoke changed to keep shows who decided what, and when', async () => {
    const id = await startReview('Q4 history');
    expect(
      (await decide(id, 'u-jack', ravis, { decision: 'revoke', comment: 'unknown' })).statusCode,
    ).toBe(200);
    const changed = await decide(id, 'u-jack', await reviewer('rita@acme.example'), {
      decision: 'keep',
      comment: 'contractor, confirmed by finance',
    });
    expect(changed.json()).toMatchObject({ decision: 'keep', decidedBy: 'oidc:rita@acme.example' });

    const history = await h.call('GET', `/reviews/${id}/items/u-jack/history`, {
      token: h.tokens.viewer,
    });
    expect(history.statusCode).toBe(200);
    const items = history.json().items as DecisionEvent[];
    expect(items.map((e) => [e.decision, e.previousDecision, e.comment, e.decidedBy])).toEqual([
      ['revoke', null, 'unknown', 'token:ravi-reviews'],
      ['keep', 'revoke', 'contractor, confirmed by finance', 'oidc:rita@acme.example'],
    ]);
    expect(Date.parse(items[1]!.decidedAt)).toBeGreaterThanOrEqual(Date.parse(items[0]!.decidedAt));

    expect(
      (await h.call('GET', `/reviews/${id}/items/u-nobody/history`, { token: h.tokens.viewer }))
        .statusCode,
    ).toBe(404);
    expect(
      (
        await h.call('GET', `/reviews/${id}/items/bad%20id/history`, { token: h.tokens.viewer })
      ).json(),
    ).toMatchObject({ statusCode: 400, field: 'params.userId' });

    // The report carries the history, and its digest covers it.
    const report = async () =>
      (await h.call('GET', `/reviews/${id}/report`, { token: h.tokens.viewer })).json();
    const before = await report();
    expect(before.version).toBe(2);
    expect(before.history).toEqual(items);
    const { sha256: digest, generatedAt: _, ...content } = before;
    expect(digest).toBe(createHash('sha256').update(canonicalJson(content)).digest('hex'));
    await decide(id, 'u-jack', ravis, { decision: 'revoke' });
    const after = await report();
    expect(after.history.map((e: DecisionEvent) => e.previousDecision)).toEqual([
      null,
      'revoke',
      'keep',
    ]);
    expect(after.sha256).not.toBe(digest);
  });

  it("refuses a decision on the caller's own Xero access with 403 naming the rule, and audits the refusal", async () => {
    const id = await startReview('Q4 separation of duties');
    const olivia = await reviewer('Olivia.Chen@ACME.example');
    const own = await decide(id, 'u-olivia', olivia, { decision: 'keep' });
    expect(own.statusCode).toBe(403);
    expect(own.json()).toEqual({
      statusCode: 403,
      error: 'Forbidden',
      message:
        'separation of duties: oidc:Olivia.Chen@ACME.example may not decide on their own Xero access (user u-olivia has the email olivia.chen@acme.example); another reviewer must decide',
    });
    expect((await decide(id, 'u-jack', olivia, { decision: 'revoke' })).statusCode).toBe(200);

    // Emma signs in as sam@: her Xero user is hers through an account link, not by email.
    const staff = await h.call('POST', '/staff', {
      token: h.tokens.admin,
      body: { email: 'sam@acme.example', name: 'Emma "Sam" Brown' },
    });
    expect(staff.statusCode, staff.body).toBe(201);
    const link = await h.call('PUT', '/links/u-emma', {
      token: h.tokens.admin,
      body: { staffId: staff.json().id },
    });
    expect(link.statusCode, link.body).toBe(200);
    const sam = await reviewer('sam@acme.example');
    const linked = await decide(id, 'u-emma', sam, { decision: 'keep' });
    expect(linked.statusCode).toBe(403);
    expect(linked.json().message).toMatch(
      /^separation of duties: .* \(user u-emma is linked to staff member sam@acme\.example\)/,
    );
    // A personal API token names its owner, so the rule applies to it as to OIDC.
    const created = await h.call('POST', '/tokens', {
      token: h.tokens.admin,
      body: { name: 'olivia-reviews', role: 'reviewer', ownerEmail: 'olivia.chen@acme.example' },
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json().ownerEmail).toBe('olivia.chen@acme.example');
    const oliviasToken = await decide(id, 'u-olivia', created.json().token, { decision: 'keep' });
    expect(oliviasToken.statusCode).toBe(403);
    expect(oliviasToken.json().message).toMatch(
      /^separation of duties: token:olivia-reviews may not decide on their own Xero access/,
    );
    const badOwner = await h.call('POST', '/tokens', {
      token: h.tokens.admin,
      body: { name: 'no-owner', role: 'reviewer', ownerEmail: 'olivia' },
    });
    expect(badOwner.json()).toMatchObject({ statusCode: 400, field: 'body.ownerEmail' });
    // Each decides on the other.
    expect((await decide(id, 'u-olivia', sam, { decision: 'keep' })).statusCode).toBe(200);
    expect((await decide(id, 'u-emma', olivia, { decision: 'keep' })).statusCode).toBe(200);
    // A shared API token names no person: it could be Liam's own, so it may not decide.
    const shared = await decide(id, 'u-liam', h.tokens.reviewer, { decision: 'keep' });
    expect(shared.statusCode).toBe(403);
    expect(shared.json()).toEqual({
      statusCode: 403,
      error: 'Forbidden',
      message:
        "separation of duties needs the reviewer's verified email, so that no one decides on their own Xero access; token:test-reviewer has none: it is an API token without an ownerEmail (a shared or service token); decide with a personal token (POST /tokens with ownerEmail, or token create --owner-email) or an OIDC sign-in with a verified email",
    });
    expect((await decide(id, 'u-liam', ravis, { decision: 'keep' })).statusCode).toBe(200);
    const olivias = (
      await h.call('GET', `/reviews/${id}/items/u-olivia/history`, { token: h.tokens.viewer })
    ).json().items as DecisionEvent[];
    expect(olivias.map((e) => e.decidedBy)).toEqual(['oidc:sam@acme.example']);

    // Completing a review one decided in is the reviewer's job, not a conflict of interest.
    const completed = await h.call('POST', `/reviews/${id}/complete`, { token: olivia });
    expect(completed.json()).toMatchObject({
      status: 'completed',
      completedBy: 'oidc:Olivia.Chen@ACME.example',
    });

    const log = (await h.call('GET', '/audit-log?limit=500', { token: h.tokens.admin })).json()
      .items as { action: string; actor: string; outcome: string; details: { status: number } }[];
    expect(
      log
        .filter(
          (e) =>
            e.action === 'PUT /reviews/:id/items/:userId' &&
            e.outcome === 'failure' &&
            e.details.status === 403,
        )
        .map((e) => e.actor),
    ).toEqual(expect.arrayContaining(['oidc:Olivia.Chen@ACME.example', 'oidc:sam@acme.example']));
  });

  it('refuses a decision by an OIDC identity without a verified email, naming what to configure', async () => {
    const id = await startReview('Q4 unverified emails');
    const asUser7 = (claims: Record<string, unknown>) =>
      issuer.jwt({ groups: ['reviewers'], ...claims }, { subject: 'user-7' });
    const refusal = (why: string) =>
      "separation of duties needs the reviewer's verified email, so that no one decides on their own Xero access; oidc:user-7 has none: " +
      why;
    const fix =
      "have the identity provider send the person's verified email (email_verified: true), or set OIDC_EMAIL_CLAIM to a claim only its administrators can set (e.g. upn on Entra ID)";

    // An access token without an email claim, as Entra ID and Okta issue by default.
    const noEmail = await decide(id, 'u-jack', await asUser7({}), { decision: 'revoke' });
    expect(noEmail.statusCode).toBe(403);
    expect(noEmail.json().message).toBe(refusal(`its OIDC token has no "email" claim; ${fix}`));
    // An email the user may have typed in themselves: absent or false email_verified.
    for (const claims of [
      { email: 'jack.taylor@gmail.example' },
      { email: 'rita@acme.example', email_verified: false },
      { email: 'rita@acme.example', email_verified: 'yes' },
    ]) {
      const unverified = await decide(id, 'u-jack', await asUser7(claims), { decision: 'keep' });
      expect(unverified.statusCode, JSON.stringify(claims)).toBe(403);
      expect(unverified.json().message).toBe(
        refusal(
          `its OIDC token's "email" claim is not verified (email_verified is not true); ${fix}`,
        ),
      );
    }
    const notAnEmail = await decide(
      id,
      'u-jack',
      await asUser7({ email: 'jack', email_verified: true }),
      {
        decision: 'keep',
      },
    );
    expect(notAnEmail.json().message).toBe(
      refusal(`its OIDC token's "email" claim is not an email address; ${fix}`),
    );
    expect(
      (
        await h.call('GET', `/reviews/${id}/items/u-jack/history`, { token: h.tokens.viewer })
      ).json().items,
    ).toEqual([]);

    // Verified: the reviewed user's own email is refused, another person's is allowed.
    const jack = await asUser7({ email: 'Jack.Taylor@gmail.example', email_verified: true });
    expect((await decide(id, 'u-jack', jack, { decision: 'keep' })).json().message).toMatch(
      /^separation of duties: oidc:Jack\.Taylor@gmail\.example may not decide on their own Xero access/,
    );
    const rita = await asUser7({ email: 'rita@acme.example', email_verified: 'true' });
    const allowed = await decide(id, 'u-jack', rita, { decision: 'revoke' });
    expect(allowed.statusCode, allowed.body).toBe(200);
    expect(allowed.json()).toMatchObject({
      decision: 'revoke',
      decidedBy: 'oidc:rita@acme.example',
    });

    // The refusals are audited under the subject, never under the unverified email.
    const log = (await h.call('GET', '/audit-log?limit=500', { token: h.tokens.admin })).json()
      .items as {
      action: string;
      actor: string;
      resourceId: string;
      details: { status: number };
    }[];
    const jacks = log.filter(
      (e) => e.action === 'PUT /reviews/:id/items/:userId' && e.resourceId === `${id}/u-jack`,
    );
    expect(jacks.map((e) => [e.actor, e.details.status]).reverse()).toEqual([
      ['oidc:user-7', 403],
      ['oidc:user-7', 403],
      ['oidc:user-7', 403],
      ['oidc:user-7', 403],
      ['oidc:user-7', 403],
      ['oidc:Jack.Taylor@gmail.example', 403],
      ['oidc:rita@acme.example', 200],
    ]);
  });

  it('lists campaigns newest first a page at a time, as the findings list does', async () => {
    await startReview('Q1');
    await startReview('Q2');
    const all = await h.call('GET', '/reviews?limit=500', { token: h.tokens.viewer });
    expect(all.json().nextCursor).toBeNull();
    const ids = (all.json().items as { id: string; createdAt: string }[]).map((r) => r.id);
    expect(ids.length).toBeGreaterThanOrEqual(4);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await h.call('GET', '/reviews', {
        token: h.tokens.viewer,
        query: { limit: '1', connection: 'finance/acme', ...(cursor ? { cursor } : {}) },
      });
      expect(page.statusCode, page.body).toBe(200);
      expect(page.json().items).toHaveLength(1);
      seen.push(page.json().items[0].id);
      cursor = page.json().nextCursor;
    } while (cursor);
    expect(seen).toEqual(ids);
    const completed = await h.call('GET', '/reviews?status=completed', { token: h.tokens.viewer });
    expect(completed.json().items.map((r: { status: string }) => r.status)).toEqual(['completed']);

    // A bad cursor is answered exactly as on /findings.
    const findingsCursor = (
      await h.call('GET', '/findings?limit=1', { token: h.tokens.viewer })
    ).json().nextCursor as string;
    expect(findingsCursor).toEqual(expect.any(String));
    for (const bad of ['!!!not-a-cursor!!!', findingsCursor]) {
      const reviews = await h.call('GET', '/reviews', {
        token: h.tokens.viewer,
        query: { cursor: bad },
      });
      expect(reviews.statusCode).toBe(400);
      expect(reviews.json()).toEqual({
        statusCode: 400,
        error: 'Bad Request',
        message: BAD_CURSOR_MESSAGE,
        field: 'query.cursor',
      });
    }
    expect(
      (
        await h.call('GET', '/findings', {
          token: h.tokens.viewer,
          query: { cursor: '!!!not-a-cursor!!!' },
        })
      ).json().message,
    ).toBe(BAD_CURSOR_MESSAGE);
    expect(
      (
        await h.call('GET', `/reviews?cursor=${'A'.repeat(2000)}`, { token: h.tokens.viewer })
      ).json(),
    ).toMatchObject({ statusCode: 400, field: 'query.cursor' });
    expect(
      (await h.call('GET', '/reviews?limit=0', { token: h.tokens.viewer })).json(),
    ).toMatchObject({ statusCode: 400, field: 'query.limit' });
  });

  it("lists a review's items a page at a time, and streams its report", async () => {
    const id = await startReview('Q4 large');
    const items = (path: string, query: Record<string, string>) =>
      h.call('GET', path, { token: h.tokens.viewer, query });
    const all = (await items(`/reviews/${id}/items`, { limit: '500' })).json();
    expect(all.nextCursor).toBeNull();
    expect(all.items.length).toBeGreaterThanOrEqual(4);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await items(`/reviews/${id}/items`, {
        limit: '1',
        ...(cursor ? { cursor } : {}),
      });
      expect(page.statusCode, page.body).toBe(200);
      expect(page.json().items).toHaveLength(1);
      seen.push(page.json().items[0].userId);
      cursor = page.json().nextCursor;
    } while (cursor);
    expect(seen).toEqual(all.items.map((i: { userId: string }) => i.userId));
    const reviewsCursor = (await items('/reviews', { limit: '1' })).json().nextCursor as string;
    expect((await items(`/reviews/${id}/items`, { cursor: reviewsCursor })).json()).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: BAD_CURSOR_MESSAGE,
      field: 'query.cursor',
    });

    const report = await items(`/reviews/${id}/report`, {});
    expect(report.statusCode).toBe(200);
    expect(report.headers['content-type']).toBe('application/json; charset=utf-8');
    // Sent as it is read: no length known up front, and the digest comes last.
    expect(report.headers['content-length']).toBeUndefined();
    expect(Object.keys(report.json()).slice(-2)).toEqual(['generatedAt', 'sha256']);
    expect(report.json().decisions).toEqual(all.items);
    const missing = await items('/reviews/00000000-0000-7000-8000-000000000000/report', {});
    expect(missing.statusCode).toBe(404);
  });
});

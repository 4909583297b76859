import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../server.js';
import { apiGet, customApp, standardApp, tokenRequest } from '../test/http.js';

let sb: Sandbox | undefined;
afterEach(async () => {
  await sb?.close();
  sb = undefined;
});

const refresh = (s: Sandbox, token: string) =>
  tokenRequest(s, { grant_type: 'refresh_token', refresh_token: token }, standardApp(s));

describe('refresh_token grant', () => {
  it('rotates on every use and returns a Xero-shaped token set', async () => {
    sb = await startSandbox();
    const first = await refresh(sb, sb.grants[0]!.refreshToken!);
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toBe('no-store');
    expect(first.body).toMatchObject({ token_type: 'Bearer', expires_in: 1800 });
    expect(first.body.scope.split(' ')).toContain('accounting.settings.read');
    expect(first.body.refresh_token).toBeTruthy();
    expect(first.body.refresh_token).not.toBe(sb.grants[0]!.refreshToken);
    expect(first.body.id_token?.split('.')).toHaveLength(3);

    const second = await refresh(sb, first.body.refresh_token!);
    expect(second.status).toBe(200);
    expect(second.body.refresh_token).not.toBe(first.body.refresh_token);
    expect(sb.stats().refreshRotations).toBe(2);
  });

  it('answers a replayed refresh token with the same new set inside the grace window, then invalid_grant', async () => {
    sb = await startSandbox({ grantGraceMs: 1500 });
    const original = sb.grants[0]!.refreshToken!;
    const first = await refresh(sb, original);
    const replay = await refresh(sb, original);
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual(first.body);
    expect(sb.stats()).toMatchObject({ refreshRotations: 1, refreshGraceReplays: 1 });

    await sleep(1600);
    const late = await refresh(sb, original);
    expect(late.status).toBe(400);
    expect(late.body).toEqual({ error: 'invalid_grant' });
    // The successor is still good: losing nothing by replaying.
    expect((await refresh(sb, first.body.refresh_token!)).status).toBe(200);
  });

  it('spends a refresh token once when many requests race with it', async () => {
    sb = await startSandbox();
    const token = sb.grants[0]!.refreshToken!;
    const s = sb;
    const results = await Promise.all(Array.from({ length: 10 }, () => refresh(s, token)));
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(new Set(results.map((r) => r.body.refresh_token)).size).toBe(1);
    expect(sb.stats()).toMatchObject({ refreshRotations: 1, refreshGraceReplays: 9 });
    expect(sb.stats().tokenCalls.refresh_token).toBe(10);
  });

  it('refuses an expired refresh token', async () => {
    sb = await startSandbox({ refreshTokenTtlMs: 200 });
    await sleep(300);
    expect((await refresh(sb, sb.grants[0]!.refreshToken!)).body).toEqual({
      error: 'invalid_grant',
    });
  });

  it('refuses every refresh token of a revoked grant', async () => {
    sb = await startSandbox();
    const first = await refresh(sb, sb.grants[0]!.refreshToken!);
    sb.revokeGrant(sb.grants[0]!.grantId);
    expect((await refresh(sb, first.body.refresh_token!)).body).toEqual({ error: 'invalid_grant' });
    expect((await apiGet(sb, '/connections', first.body.access_token)).body).toEqual([]);
  });

  it('revokes through /connect/revocation', async () => {
    sb = await startSandbox();
    const app = standardApp(sb);
    const first = await refresh(sb, sb.grants[0]!.refreshToken!);
    const response = await fetch(`${sb.identityUrl}/connect/revocation`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${app.clientId}:${app.clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ token: first.body.refresh_token! }).toString(),
    });
    expect(response.status).toBe(200);
    expect((await refresh(sb, first.body.refresh_token!)).body).toEqual({ error: 'invalid_grant' });
  });

  it('refuses unknown tokens and tokens of another client with invalid_grant', async () => {
    sb = await startSandbox();
    expect((await refresh(sb, 'not-a-token')).body).toEqual({ error: 'invalid_grant' });
    const other = customApp(sb);
    const result = await tokenRequest(
      sb,
      { grant_type: 'refresh_token', refresh_token: sb.grants[0]!.refreshToken! },
      other,
    );
    expect(result.body).toEqual({ error: 'invalid_grant' });
  });
});

describe('client authentication', () => {
  it('answers invalid_client for a wrong secret, an unknown client and no credentials', async () => {
    sb = await startSandbox();
    const app = standardApp(sb);
    const token = sb.grants[0]!.refreshToken!;
    const form = { grant_type: 'refresh_token', refresh_token: token };
    for (const client of [
      { clientId: app.clientId, clientSecret: 'wrong' },
      { clientId: 'UNKNOWN', clientSecret: app.clientSecret },
      { clientId: app.clientId },
    ]) {
      const result = await tokenRequest(sb, form, client);
      expect(result.status).toBe(400);
      expect(result.body).toEqual({ error: 'invalid_client' });
    }
    // None of the refused attempts spent the refresh token.
    expect((await refresh(sb, token)).status).toBe(200);
  });

  it('accepts client_secret_post as well as Basic', async () => {
    sb = await startSandbox();
    const app = standardApp(sb);
    const response = await fetch(`${sb.identityUrl}/connect/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: sb.grants[0]!.refreshToken!,
        client_id: app.clientId,
        client_secret: app.clientSecret,
      }).toString(),
    });
    expect(response.status).toBe(200);
  });

  it('answers unsupported_grant_type for other grants', async () => {
    sb = await startSandbox();
    const result = await tokenRequest(sb, { grant_type: 'password' }, standardApp(sb));
    expect(result.body).toEqual({ error: 'unsupported_grant_type' });
  });
});

describe('client_credentials grant', () => {
  it('issues a token bound to the custom connection tenant, without refresh or id token', async () => {
    sb = await startSandbox();
    const app = customApp(sb);
    const result = await tokenRequest(sb, { grant_type: 'client_credentials' }, app);
    expect(result.status).toBe(200);
    expect(result.body.refresh_token).toBeUndefined();
    expect(result.body.id_token).toBeUndefined();
    expect(result.body.scope).toBe('accounting.settings.read');
    const connections = await apiGet<{ tenantId: string }[]>(
      sb,
      '/connections',
      result.body.access_token,
    );
    expect(connections.body.map((c) => c.tenantId)).toEqual([app.tenantId]);
    const users = await apiGet(sb, '/api.xro/2.0/Users', result.body.access_token, app.tenantId);
    expect(users.status).toBe(200);
    expect(sb.stats().tokenCalls.client_credentials).toBe(1);
  });

  it('refuses apps that are not custom connections and scopes the connection lacks', async () => {
    sb = await startSandbox();
    expect(
      (await tokenRequest(sb, { grant_type: 'client_credentials' }, standardApp(sb))).body,
    ).toEqual({
      error: 'unauthorized_client',
    });
    expect(
      (
        await tokenRequest(
          sb,
          { grant_type: 'client_credentials', scope: 'accounting.transactions' },
          customApp(sb),
        )
      ).body,
    ).toEqual({ error: 'invalid_scope' });
  });
});

describe('access token expiry', () => {
  it('answers 401 TokenExpired once the access token has expired', async () => {
    sb = await startSandbox({ accessTokenTtlMs: 1500 });
    const set = await refresh(sb, sb.grants[0]!.refreshToken!);
    expect(set.body.expires_in).toBe(2);
    const tenantId = sb.tenants[0]!.tenantId;
    expect(
      (await apiGet(sb, '/api.xro/2.0/Organisation', set.body.access_token, tenantId)).status,
    ).toBe(200);
    await sleep(1600);
    const expired = await apiGet<{ Detail: string }>(
      sb,
      '/api.xro/2.0/Organisation',
      set.body.access_token,
      tenantId,
    );
    expect(expired.status).toBe(401);
    expect(expired.body.Detail).toMatch(
      /^TokenExpired: token expired at \d{2}\/\d{2}\/\d{4} \d{2}:\d{2}:\d{2}$/,
    );
  });
});

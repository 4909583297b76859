import { createHash, randomBytes } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../server.js';
import { apiGet, standardApp, tokenRequest } from '../test/http.js';

let sb: Sandbox | undefined;
afterEach(async () => {
  await sb?.close();
  sb = undefined;
});

const REDIRECT = 'http://127.0.0.1:9/callback';
const SCOPES = 'openid profile email offline_access accounting.settings.read';

function authorizeUrl(s: Sandbox, extra: Record<string, string>): string {
  const url = new URL(`${s.loginUrl}/identity/connect/authorize`);
  const params = {
    response_type: 'code',
    client_id: standardApp(s).clientId,
    redirect_uri: REDIRECT,
    scope: SCOPES,
    state: 'xyz',
    ...extra,
  };
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return url.toString();
}

async function authorize(s: Sandbox, extra: Record<string, string>): Promise<URL> {
  const response = await fetch(authorizeUrl(s, extra), { redirect: 'manual' });
  expect(response.status).toBe(302);
  return new URL(response.headers.get('location')!);
}

const pkce = () => {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
};

describe('authorize step and authorization_code grant', () => {
  it('auto-consents, exchanges the code with PKCE S256 and signs an id_token verifiable by the JWKS', async () => {
    sb = await startSandbox();
    const { verifier, challenge } = pkce();
    const back = await authorize(sb, {
      sandbox_auto_consent: 'true',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      nonce: 'n-0S6',
    });
    expect(back.searchParams.get('state')).toBe('xyz');
    const code = back.searchParams.get('code')!;
    const app = standardApp(sb);
    const result = await tokenRequest(
      sb,
      { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier },
      app,
    );
    expect(result.status).toBe(200);
    expect(result.body.refresh_token).toBeTruthy();

    const discovery = (await (
      await fetch(`${sb.identityUrl}/.well-known/openid-configuration`)
    ).json()) as {
      issuer: string;
      jwks_uri: string;
      token_endpoint: string;
    };
    expect(discovery.token_endpoint).toBe(`${sb.identityUrl}/connect/token`);
    const jwks = createRemoteJWKSet(new URL(discovery.jwks_uri));
    const { payload } = await jwtVerify(result.body.id_token!, jwks, {
      issuer: discovery.issuer,
      audience: app.clientId,
    });
    expect(payload).toMatchObject({
      email: 'olivia.chen@acme.example',
      given_name: 'Olivia',
      nonce: 'n-0S6',
    });
    const access = await jwtVerify(result.body.access_token, jwks, { issuer: discovery.issuer });
    expect(access.payload.client_id).toBe(app.clientId);

    const connections = await apiGet<{ tenantName: string }[]>(
      sb,
      '/connections',
      result.body.access_token,
    );
    // Olivia belongs to both organisations.
    expect(connections.body.map((c) => c.tenantName).sort()).toEqual([
      'Acme Finance Ltd',
      'Acme Payments Pty Ltd',
    ]);
    expect(sb.stats().tokenCalls.authorization_code).toBe(1);
  });

  it('connects only the tenants named by sandbox_tenants', async () => {
    sb = await startSandbox();
    const tenantId = sb.tenants[1]!.tenantId;
    const back = await authorize(sb, { sandbox_auto_consent: '1', sandbox_tenants: tenantId });
    const result = await tokenRequest(
      sb,
      {
        grant_type: 'authorization_code',
        code: back.searchParams.get('code')!,
        redirect_uri: REDIRECT,
      },
      standardApp(sb),
    );
    const connections = await apiGet<{ tenantId: string }[]>(
      sb,
      '/connections',
      result.body.access_token,
    );
    expect(connections.body.map((c) => c.tenantId)).toEqual([tenantId]);
  });

  it('refuses a wrong code_verifier, a reused code and a different redirect_uri with invalid_grant', async () => {
    sb = await startSandbox();
    const app = standardApp(sb);
    const { challenge } = pkce();
    const withPkce = await authorize(sb, {
      sandbox_auto_consent: 'true',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    expect(
      (
        await tokenRequest(
          sb,
          {
            grant_type: 'authorization_code',
            code: withPkce.searchParams.get('code')!,
            redirect_uri: REDIRECT,
            code_verifier: 'wrong',
          },
          app,
        )
      ).body,
    ).toEqual({ error: 'invalid_grant' });

    const plain = await authorize(sb, { sandbox_auto_consent: 'true' });
    const code = plain.searchParams.get('code')!;
    expect(
      (
        await tokenRequest(
          sb,
          { grant_type: 'authorization_code', code, redirect_uri: 'http://127.0.0.1:9/other' },
          app,
        )
      ).body,
    ).toEqual({
      error: 'invalid_grant',
    });
    // The failed attempt consumed the code, as a single-use code must be.
    expect(
      (
        await tokenRequest(
          sb,
          { grant_type: 'authorization_code', code, redirect_uri: REDIRECT },
          app,
        )
      ).body,
    ).toEqual({
      error: 'invalid_grant',
    });
  });

  it('lets a PKCE public client exchange and refresh without a secret', async () => {
    sb = await startSandbox();
    const app = standardApp(sb);
    const { verifier, challenge } = pkce();
    const back = await authorize(sb, {
      sandbox_auto_consent: 'true',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    const result = await tokenRequest(
      sb,
      {
        grant_type: 'authorization_code',
        code: back.searchParams.get('code')!,
        redirect_uri: REDIRECT,
        code_verifier: verifier,
      },
      { clientId: app.clientId },
    );
    expect(result.status).toBe(200);
    const refreshed = await tokenRequest(
      sb,
      { grant_type: 'refresh_token', refresh_token: result.body.refresh_token! },
      { clientId: app.clientId },
    );
    expect(refreshed.status).toBe(200);
  });

  it('shows a consent page and honours Allow and Cancel', async () => {
    sb = await startSandbox();
    const page = await fetch(authorizeUrl(sb, {}));
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('Xero Access Operator wants access');
    expect(html).toContain('Acme Finance Ltd');

    const form = new URLSearchParams({
      response_type: 'code',
      client_id: standardApp(sb).clientId,
      redirect_uri: REDIRECT,
      scope: SCOPES,
      state: 'abc',
      tenant: sb.tenants[0]!.tenantId,
      decision: 'allow',
    });
    const allowed = await fetch(`${sb.loginUrl}/identity/connect/authorize`, {
      method: 'POST',
      body: form,
      redirect: 'manual',
    });
    expect(new URL(allowed.headers.get('location')!).searchParams.get('code')).toBeTruthy();

    form.set('decision', 'deny');
    const denied = await fetch(`${sb.loginUrl}/identity/connect/authorize`, {
      method: 'POST',
      body: form,
      redirect: 'manual',
    });
    const location = new URL(denied.headers.get('location')!);
    expect(location.searchParams.get('error')).toBe('access_denied');
    expect(location.searchParams.get('state')).toBe('abc');
  });

  it('shows an error page for an unknown client or an unregistered redirect_uri', async () => {
    sb = await startSandbox({
      seed: {
        tenants: [{ name: 'Org' }],
        apps: [{ name: 'App', redirectUris: ['https://app.example/callback'] }],
      },
    });
    const unknownClient = await fetch(authorizeUrl(sb, { client_id: 'NOPE' }));
    expect(unknownClient.status).toBe(400);
    const badRedirect = await fetch(authorizeUrl(sb, { redirect_uri: 'https://evil.example/cb' }));
    expect(badRedirect.status).toBe(400);
    expect(await badRedirect.text()).toContain('redirect_uri');
  });
});

import type { Sandbox } from '../server.js';
import type { TokenResponse } from '../state/model.js';

export interface HttpResult<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

async function read<T>(response: Response): Promise<HttpResult<T>> {
  const text = await response.text();
  let body: unknown = text;
  if (text !== '' && (response.headers.get('content-type') ?? '').includes('json'))
    body = JSON.parse(text);
  return { status: response.status, headers: response.headers, body: body as T, text };
}

export const basic = (clientId: string, secret: string): string =>
  `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`;

/** POSTs a form to the token endpoint with HTTP Basic client authentication. */
export async function tokenRequest(
  sb: Sandbox,
  form: Record<string, string>,
  client: { clientId: string; clientSecret?: string },
): Promise<HttpResult<TokenResponse & { error?: string }>> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (client.clientSecret !== undefined)
    headers.authorization = basic(client.clientId, client.clientSecret);
  else form = { ...form, client_id: client.clientId };
  const response = await fetch(`${sb.identityUrl}/connect/token`, {
    method: 'POST',
    headers,
    body: new URLSearchParams(form).toString(),
  });
  return read(response);
}

/** Calls the API as Xero clients do: bearer token, xero-tenant-id, Accept: application/json. */
export async function apiGet<T = unknown>(
  sb: Sandbox,
  path: string,
  accessToken: string,
  tenantId?: string,
  extraHeaders: Record<string, string> = {},
): Promise<HttpResult<T>> {
  const headers: Record<string, string> = {
    authorization: `Bearer ${accessToken}`,
    accept: 'application/json',
    ...extraHeaders,
  };
  if (tenantId) headers['xero-tenant-id'] = tenantId;
  return read<T>(await fetch(`${sb.apiUrl}${path}`, { headers }));
}

export async function apiRequest<T = unknown>(
  sb: Sandbox,
  method: string,
  path: string,
  accessToken: string,
): Promise<HttpResult<T>> {
  return read<T>(
    await fetch(`${sb.apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${accessToken}` },
    }),
  );
}

export async function adminRequest<T = unknown>(
  sb: Sandbox,
  method: string,
  path: string,
  body?: unknown,
): Promise<HttpResult<T>> {
  const init: RequestInit = { method };
  if (body !== undefined) init.headers = { 'content-type': 'application/json' };
  if (body !== undefined) init.body = JSON.stringify(body);
  return read<T>(await fetch(`${sb.adminUrl}${path}`, init));
}

/** The example seed's standard app and its grant, spent once to get a token set. */
export async function firstTokenSet(sb: Sandbox): Promise<TokenResponse> {
  const app = sb.apps.find((a) => a.kind === 'standard')!;
  const grant = sb.grants.find((g) => g.clientId === app.clientId)!;
  const result = await tokenRequest(
    sb,
    { grant_type: 'refresh_token', refresh_token: grant.refreshToken! },
    app,
  );
  if (result.status !== 200) throw new Error(`refresh failed: ${result.status} ${result.text}`);
  return result.body;
}

export const standardApp = (sb: Sandbox) => sb.apps.find((a) => a.kind === 'standard')!;
export const customApp = (sb: Sandbox) => sb.apps.find((a) => a.kind === 'custom-connection')!;

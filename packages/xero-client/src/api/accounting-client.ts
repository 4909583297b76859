import { joinUrl, XERO_ENDPOINTS, type XeroEndpoints } from '../config.js';
import { xeroErrors, type XeroError } from '../errors.js';
import { rateLimitedError, type Transport, type XeroResponse } from '../http/transport.js';
import { formatModifiedSince } from '../ms-date.js';
import { parseResponse } from '../validate.js';
import {
  connectionsSchema,
  currenciesSchema,
  organisationSchema,
  usersSchema,
  xeroProblemSchema,
  type XeroConnection,
  type XeroCurrency,
  type XeroOrganisation,
  type XeroUser,
} from './schemas.js';

/** The scopes that grant each accounting call (either one is enough). */
const SETTINGS_READ = ['accounting.settings.read', 'accounting.settings'] as const;

export interface CallOptions {
  /** Abandons the call (and its wait for a rate-limit slot). */
  signal?: AbortSignal;
  /**
   * The caller's deadline: a rate-limit slot (or a 429's Retry-After) that frees later fails the
   * call at once with RateLimited, `retryAt` the moment it frees, instead of waiting for it.
   */
  waitUntil?: Date;
}

export interface GetUsersOptions extends CallOptions {
  /** Only users changed since then (`If-Modified-Since`). */
  ifModifiedSince?: Date;
}

/**
 * Xero's identity API (/connections) and the accounting calls the operator needs. Every call is
 * charged to the app's and the tenant's rate limits and returns typed, validated results.
 */
export class XeroAccountingClient {
  private readonly endpoints: XeroEndpoints;

  constructor(
    /** The Xero app (client id) the calls are charged to. */
    private readonly appId: string,
    private readonly transport: Transport,
    endpoints: Partial<XeroEndpoints> = {},
  ) {
    this.endpoints = { ...XERO_ENDPOINTS, ...endpoints };
  }

  /** The tenants this grant can reach. */
  async getConnections(accessToken: string, options: CallOptions = {}): Promise<XeroConnection[]> {
    const operation = 'GET /connections';
    const response = await this.transport.send({
      method: 'GET',
      url: joinUrl(this.endpoints.apiUrl, '/connections'),
      headers: this.headers(accessToken),
      idempotent: true,
      operation,
      scope: { appId: this.appId, operation },
      signal: options.signal,
      waitUntil: options.waitUntil,
    });
    if (response.statusCode !== 200) throw this.failure(operation, response);
    return parseResponse(connectionsSchema, response.body, operation, 200);
  }

  /** Disconnects a tenant from the grant (revokes the connection). Already gone counts as done. */
  async deleteConnection(
    accessToken: string,
    connectionId: string,
    options: CallOptions = {},
  ): Promise<void> {
    const operation = 'DELETE /connections';
    const response = await this.transport.send({
      method: 'DELETE',
      url: joinUrl(this.endpoints.apiUrl, `/connections/${encodeURIComponent(connectionId)}`),
      headers: this.headers(accessToken),
      idempotent: true,
      operation,
      scope: { appId: this.appId, operation },
      signal: options.signal,
      waitUntil: options.waitUntil,
    });
    if (response.statusCode === 204 || response.statusCode === 200 || response.statusCode === 404)
      return;
    throw this.failure(operation, response);
  }

  /** Throws TenantDisconnected when the tenant is not in GET /connections. */
  async assertTenantConnected(accessToken: string, tenantId: string): Promise<XeroConnection> {
    const connection = (await this.getConnections(accessToken)).find(
      (c) => c.tenantId === tenantId,
    );
    if (!connection) throw xeroErrors.tenantDisconnected('GET /connections', tenantId);
    return connection;
  }

  /**
   * Every user of the organisation; with `ifModifiedSince`, only those changed since (none on a
   * 304). A 304 to a request that was not conditional, or a complete list that is empty, is
   * refused (InvalidResponse): either would read as every user gone.
   */
  async getUsers(
    accessToken: string,
    tenantId: string,
    options: GetUsersOptions = {},
  ): Promise<XeroUser[]> {
    const operation = 'GET Users';
    const conditional = options.ifModifiedSince !== undefined;
    const extra: Record<string, string> = options.ifModifiedSince
      ? { 'if-modified-since': formatModifiedSince(options.ifModifiedSince) }
      : {};
    const response = await this.accounting(
      accessToken,
      tenantId,
      'Users',
      operation,
      options,
      extra,
      conditional ? [304] : [],
    );
    if (response.statusCode === 304) return [];
    const users = parseResponse(usersSchema, response.body, operation, 200);
    // Every Xero organisation has at least one user: its subscriber, who holds its subscription.
    // An empty complete list is a fault (Xero's or a proxy's); recorded as a snapshot it would
    // show every user gone and close every leaver's finding as remediated: false evidence.
    if (!conditional && users.length === 0)
      throw xeroErrors.invalidResponse(
        operation,
        'Users is empty, but every organisation has at least one user (its subscriber)',
        200,
      );
    return users;
  }

  /** One user, or null when Xero does not know the id. */
  async getUser(
    accessToken: string,
    tenantId: string,
    userId: string,
    options: CallOptions = {},
  ): Promise<XeroUser | null> {
    const operation = 'GET Users/{id}';
    const path = `Users/${encodeURIComponent(userId)}`;
    const response = await this.accounting(
      accessToken,
      tenantId,
      path,
      operation,
      options,
      {},
      [404],
    );
    if (response.statusCode === 404) return null;
    const users = parseResponse(usersSchema, response.body, operation, 200);
    return users[0] ?? null;
  }

  async getOrganisation(
    accessToken: string,
    tenantId: string,
    options: CallOptions = {},
  ): Promise<XeroOrganisation> {
    const response = await this.accounting(
      accessToken,
      tenantId,
      'Organisation',
      'GET Organisation',
      options,
    );
    return parseResponse(organisationSchema, response.body, 'GET Organisation', 200);
  }

  async getCurrencies(
    accessToken: string,
    tenantId: string,
    options: CallOptions = {},
  ): Promise<XeroCurrency[]> {
    const response = await this.accounting(
      accessToken,
      tenantId,
      'Currencies',
      'GET Currencies',
      options,
    );
    return parseResponse(currenciesSchema, response.body, 'GET Currencies', 200);
  }

  private headers(accessToken: string, tenantId?: string): Record<string, string> {
    return {
      authorization: `Bearer ${accessToken}`,
      accept: 'application/json',
      ...(tenantId ? { 'xero-tenant-id': tenantId } : {}),
    };
  }

  private async accounting(
    accessToken: string,
    tenantId: string,
    path: string,
    operation: string,
    options: CallOptions,
    extraHeaders: Record<string, string> = {},
    allowed: readonly number[] = [],
  ): Promise<XeroResponse> {
    const response = await this.transport.send({
      method: 'GET',
      url: joinUrl(this.endpoints.apiUrl, `/api.xro/2.0/${path}`),
      headers: { ...this.headers(accessToken, tenantId), ...extraHeaders },
      idempotent: true,
      operation,
      scope: { appId: this.appId, tenantId, operation },
      signal: options.signal,
      waitUntil: options.waitUntil,
    });
    if (response.statusCode === 200 || allowed.includes(response.statusCode)) return response;
    if (response.statusCode === 403 || isScopeProblem(response))
      throw await this.forbidden(accessToken, tenantId, operation, response, options);
    throw this.failure(operation, response, tenantId);
  }

  /**
   * Xero answers 403 both for a tenant that is no longer connected and for one the grant may no
   * longer reach although it is still listed, and a missing scope commonly with 401
   * AuthorizationUnsuccessful; GET /connections tells a disconnected tenant apart, the answer
   * itself whether a scope is missing.
   */
  private async forbidden(
    accessToken: string,
    tenantId: string,
    operation: string,
    response: XeroResponse,
    options: CallOptions,
  ): Promise<XeroError> {
    try {
      const connections = await this.getConnections(accessToken, options);
      if (!connections.some((c) => c.tenantId === tenantId))
        return xeroErrors.tenantDisconnected(operation, tenantId);
    } catch (error) {
      if (options.signal?.aborted) throw error;
      // Cannot tell whether it is still connected: report what the answer itself says.
    }
    if (isScopeProblem(response))
      return xeroErrors.insufficientPermissions(
        operation,
        SETTINGS_READ,
        tenantId,
        response.statusCode,
      );
    return xeroErrors.notAuthorisedForOrganisation(operation, tenantId);
  }

  private failure(operation: string, response: XeroResponse, tenantId?: string): XeroError {
    if (response.statusCode === 401) return xeroErrors.unauthorized(operation, tenantId);
    // /connections needs no scope: a 403 there cannot be a missing one.
    if (response.statusCode === 403)
      return xeroErrors.notAuthorisedForOrganisation(operation, tenantId);
    if (response.statusCode === 429) return rateLimitedError(operation, response, tenantId);
    // Only a conditional request may be answered "not modified": one that sent no condition has
    // no earlier answer to keep.
    if (response.statusCode === 304)
      return xeroErrors.invalidResponse(
        operation,
        'HTTP 304 Not Modified to a request that was not conditional (no If-Modified-Since)',
        304,
      );
    return xeroErrors.invalidResponse(
      operation,
      `unexpected HTTP ${response.statusCode}`,
      response.statusCode,
    );
  }
}

/**
 * Whether a 401 or 403 says the token lacks the scope the call needs: Xero's gateway then answers
 * `AuthorizationUnsuccessful` (commonly as 401: unlike a 401 `AuthenticationUnsuccessful`, a fresh
 * token does not help), and may add `WWW-Authenticate: Bearer error="insufficient_scope"`
 * (RFC 6750). A 403 `AuthenticationUnsuccessful` is not one: the grant may not reach the
 * organisation (Xero's OAuth 2.0 troubleshooting guide).
 */
function isScopeProblem(response: XeroResponse): boolean {
  if (response.statusCode !== 401 && response.statusCode !== 403) return false;
  const challenge = response.headers['www-authenticate'];
  if ([challenge ?? []].flat().some((value) => /\binsufficient_scope\b/i.test(value))) return true;
  const problem = xeroProblemSchema.safeParse(response.body);
  return problem.success && problem.data.Detail.trim() === 'AuthorizationUnsuccessful';
}

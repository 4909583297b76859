import {
  DEFAULT_SCOPES,
  joinUrl,
  XERO_ENDPOINTS,
  type XeroAppCredentials,
  type XeroEndpoints,
} from '../config.js';
import { xeroErrors } from '../errors.js';
import { type Transport } from '../http/transport.js';
import { parseResponse } from '../validate.js';
import { createPkcePair, createState } from './pkce.js';
import { tokenResponseSchema, toTokenSet, type XeroTokenSet } from './schemas.js';
import { tokenError } from './token-errors.js';

export interface AuthorizeRequest {
  redirectUri: string;
  scopes?: readonly string[];
  /** Generated when absent. */
  state?: string;
}

export interface AuthorizeStart {
  url: string;
  state: string;
  /** Keep until the callback; pass to exchangeCode. Never put it in a URL or log. */
  codeVerifier: string;
}

/**
 * OAuth 2.0 against Xero's identity server; client authentication by HTTP Basic. Token requests are
 * charged to the transport's limiter, if any, under the extra caps only (never Xero's limits).
 */
export class XeroIdentityClient {
  private readonly endpoints: XeroEndpoints;

  constructor(
    private readonly credentials: XeroAppCredentials,
    private readonly transport: Transport,
    endpoints: Partial<XeroEndpoints> = {},
  ) {
    if (!credentials.clientId)
      throw xeroErrors.invalidSpec('Xero app credentials', 'clientId is empty');
    if (!credentials.clientSecret)
      throw xeroErrors.invalidSpec('Xero app credentials', 'clientSecret is empty');
    this.endpoints = { ...XERO_ENDPOINTS, ...endpoints };
  }

  get clientId(): string {
    return this.credentials.clientId;
  }

  /** The consent URL (authorization code flow with PKCE S256 and state). */
  authorizeUrl(request: AuthorizeRequest): AuthorizeStart {
    const pkce = createPkcePair();
    const state = request.state ?? createState();
    const url = new URL(joinUrl(this.endpoints.loginUrl, '/identity/connect/authorize'));
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: this.credentials.clientId,
      redirect_uri: request.redirectUri,
      scope: (request.scopes ?? DEFAULT_SCOPES).join(' '),
      state,
      code_challenge: pkce.codeChallenge,
      code_challenge_method: pkce.codeChallengeMethod,
    }).toString();
    return { url: url.toString(), state, codeVerifier: pkce.codeVerifier };
  }

  /** Authorization code → token set. Not retried: a code can be spent only once. */
  exchangeCode(code: string, redirectUri: string, codeVerifier?: string): Promise<XeroTokenSet> {
    return this.token('code exchange', false, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      ...(codeVerifier ? { code_verifier: codeVerifier } : {}),
    });
  }

  /**
   * Spends a refresh token (it rotates). Retried on 5xx/network errors: if Xero did rotate before
   * the connection broke, the same refresh token returns the same new set during the grace period.
   * Use RefreshCoordinator to keep replicas from spending one token twice.
   */
  refresh(refreshToken: string): Promise<XeroTokenSet> {
    return this.token('token refresh', true, {
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
    });
  }

  /** Custom connection (client credentials grant): an access token bound to one tenant. */
  clientCredentials(scopes?: readonly string[]): Promise<XeroTokenSet> {
    return this.token('client credentials', true, {
      grant_type: 'client_credentials',
      ...(scopes ? { scope: scopes.join(' ') } : {}),
    });
  }

  private basicAuth(): string {
    const { clientId, clientSecret } = this.credentials;
    // RFC 6749 §2.3.1: form-encode each part before joining.
    const raw = `${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`;
    return `Basic ${Buffer.from(raw).toString('base64')}`;
  }

  private async token(
    operation: string,
    idempotent: boolean,
    form: Record<string, string>,
  ): Promise<XeroTokenSet> {
    const issuedAt = new Date();
    const response = await this.transport.send({
      method: 'POST',
      url: joinUrl(this.endpoints.identityUrl, '/connect/token'),
      headers: { authorization: this.basicAuth(), accept: 'application/json' },
      form,
      idempotent,
      operation,
      // Xero does not count token requests in its limits; an integration in front of it does.
      scope: { appId: this.credentials.clientId, operation, extraCapsOnly: true },
    });
    if (response.statusCode !== 200)
      throw tokenError(operation, response, form.grant_type!, form.scope?.split(' ') ?? []);
    return toTokenSet(parseResponse(tokenResponseSchema, response.body, operation, 200), issuedAt);
  }
}

import { isXeroError, xeroErrors } from './errors.js';
import { type XeroIdentityClient } from './oauth/identity-client.js';
import { type XeroTokenSet } from './oauth/schemas.js';
import { type RefreshCoordinator } from './refresh/refresh-coordinator.js';

/** Where a connection's token set lives (the reconciler: the token Secret). */
export interface TokenStore {
  load(): Promise<XeroTokenSet>;
  /** Must succeed before the new access token is used; see RefreshRequest.persist. */
  persist(tokens: XeroTokenSet): Promise<void>;
}

export interface XeroSessionOptions {
  identity: XeroIdentityClient;
  refresher: RefreshCoordinator;
  /** Identifies the grant across replicas, e.g. `namespace/name`. */
  connectionKey: string;
  authFlow: 'AuthorizationCode' | 'ClientCredentials';
  tokens: TokenStore;
  /** Refresh this long before the access token expires. */
  refreshBeforeExpiryMs?: number;
  clientCredentialScopes?: readonly string[];
}

/**
 * Keeps one connection's access token valid. `call` runs an API call with it; a 401 on a token
 * that was not fresh refreshes once and retries, so `Unauthorized` means "401 after a fresh
 * token", as the troubleshooting map defines it.
 */
export class XeroSession {
  private readonly refreshBeforeExpiryMs: number;

  constructor(private readonly options: XeroSessionOptions) {
    this.refreshBeforeExpiryMs = options.refreshBeforeExpiryMs ?? 2 * 60_000;
  }

  /** A usable access token, refreshed first when it is about to expire. */
  async accessToken(): Promise<{ token: string; fresh: boolean }> {
    const current = await this.options.tokens.load();
    if (current.expiresAt.getTime() - Date.now() > this.refreshBeforeExpiryMs) {
      return { token: current.accessToken, fresh: false };
    }
    return { token: (await this.renew(current)).accessToken, fresh: true };
  }

  async call<T>(fn: (accessToken: string) => Promise<T>): Promise<T> {
    const { token, fresh } = await this.accessToken();
    try {
      return await fn(token);
    } catch (error) {
      if (fresh || !isXeroError(error, 'Unauthorized')) throw error;
    }
    const renewed = await this.renew(await this.options.tokens.load());
    return fn(renewed.accessToken);
  }

  private async renew(current: XeroTokenSet): Promise<XeroTokenSet> {
    const { options } = this;
    if (options.authFlow === 'ClientCredentials') {
      const tokens = await options.identity.clientCredentials(options.clientCredentialScopes);
      await options.tokens.persist(tokens);
      return tokens;
    }
    if (!current.refreshToken) {
      throw xeroErrors.reauthorizationRequired('token refresh', 'no refresh token stored');
    }
    return options.refresher.refresh({
      connectionKey: options.connectionKey,
      refreshToken: current.refreshToken,
      persist: (tokens) => options.tokens.persist(tokens),
    });
  }
}

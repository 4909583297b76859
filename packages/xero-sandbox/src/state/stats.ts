export type RateLimitProblem = 'minute' | 'day' | 'appminute' | 'concurrent';
export type TokenGrantType =
  'authorization_code' | 'refresh_token' | 'client_credentials' | 'other';

/** A snapshot of what the sandbox observed, so tests can prove that no limit was exceeded. */
export interface SandboxStats {
  /** Accepted API calls (not rejected with 429) per tenant id, every app's. */
  callsPerTenant: Record<string, number>;
  /**
   * Accepted API calls per app and tenant, keyed `appTenantKey(clientId, tenantId)`: what Xero's
   * tenant limits count (each app has its own minute, day and concurrent budget per tenant).
   */
  callsPerAppTenant: Record<string, number>;
  /** Accepted API calls per client id. */
  callsPerApp: Record<string, number>;
  /** 429 answers by X-Rate-Limit-Problem (forced 429s included). */
  rateLimited: Record<RateLimitProblem, number>;
  /** Highest number of calls in flight for any one app on one tenant (Xero's concurrent limit). */
  maxInFlightObserved: number;
  maxInFlightPerTenant: Record<string, number>;
  /** Token endpoint requests by grant_type, whatever their outcome. */
  tokenCalls: Record<TokenGrantType, number>;
  /** Refresh requests that rotated a refresh token (spent it and minted a new set). */
  refreshRotations: number;
  /** Refresh requests answered from the grace window with the already-issued set. */
  refreshGraceReplays: number;
  /** Token endpoint answers by error code. */
  tokenErrors: Record<string, number>;
  /** API answers by status code. */
  apiResponses: Record<string, number>;
}

const emptyProblems = (): Record<RateLimitProblem, number> => ({
  minute: 0,
  day: 0,
  appminute: 0,
  concurrent: 0,
});
const emptyGrantTypes = (): Record<TokenGrantType, number> => ({
  authorization_code: 0,
  refresh_token: 0,
  client_credentials: 0,
  other: 0,
});

const increment = (record: Record<string, number>, key: string, by = 1): void => {
  record[key] = (record[key] ?? 0) + by;
};

/** The key of `callsPerAppTenant`: an app's calls to one tenant. */
export const appTenantKey = (clientId: string, tenantId: string): string =>
  `${clientId}/${tenantId}`;

export class StatsRecorder {
  private data: SandboxStats = StatsRecorder.empty();

  private static empty(): SandboxStats {
    return {
      callsPerTenant: {},
      callsPerAppTenant: {},
      callsPerApp: {},
      rateLimited: emptyProblems(),
      maxInFlightObserved: 0,
      maxInFlightPerTenant: {},
      tokenCalls: emptyGrantTypes(),
      refreshRotations: 0,
      refreshGraceReplays: 0,
      tokenErrors: {},
      apiResponses: {},
    };
  }

  apiCallAccepted(tenantId: string | undefined, clientId: string): void {
    if (tenantId) {
      increment(this.data.callsPerTenant, tenantId);
      increment(this.data.callsPerAppTenant, appTenantKey(clientId, tenantId));
    }
    increment(this.data.callsPerApp, clientId);
  }

  inFlight(tenantId: string, count: number): void {
    if (count > this.data.maxInFlightObserved) this.data.maxInFlightObserved = count;
    if (count > (this.data.maxInFlightPerTenant[tenantId] ?? 0))
      this.data.maxInFlightPerTenant[tenantId] = count;
  }

  rateLimited(problem: RateLimitProblem): void {
    this.data.rateLimited[problem] += 1;
  }

  apiResponse(status: number): void {
    increment(this.data.apiResponses, String(status));
  }

  tokenCall(grantType: string | undefined): void {
    const key: TokenGrantType =
      grantType === 'authorization_code' ||
      grantType === 'refresh_token' ||
      grantType === 'client_credentials'
        ? grantType
        : 'other';
    this.data.tokenCalls[key] += 1;
  }

  tokenError(code: string): void {
    increment(this.data.tokenErrors, code);
  }

  refreshRotated(): void {
    this.data.refreshRotations += 1;
  }

  refreshReplayed(): void {
    this.data.refreshGraceReplays += 1;
  }

  snapshot(): SandboxStats {
    return structuredClone(this.data);
  }

  reset(): void {
    this.data = StatsRecorder.empty();
  }
}

import type { Redis } from 'ioredis';
import {
  createXeroClient,
  RefreshCoordinator,
  refreshKeyPrefix,
  type XeroAppCredentials,
  type XeroClient,
  type XeroEndpoints,
  type XeroLimits,
  type XeroLogger,
  type XeroCallEvent,
} from '@xero-access/xero-client';

export interface XeroClientsOptions {
  redis: Redis;
  keyPrefix: string;
  endpoints: Partial<XeroEndpoints>;
  limits: Partial<XeroLimits>;
  logger: XeroLogger;
  /**
   * Told of every answer Xero gives any app, identity and API (xao_xero_calls_total), a 429 to an
   * API call with the limit it names (xao_xero_rate_limited_total).
   */
  onCall?: (event: XeroCallEvent) => void;
  /**
   * How long a crashed replica's refresh lock blocks the others. Short is safe: a second refresh
   * with the same refresh token inside Xero's grace period returns the same new token set.
   */
  refreshLockTtlMs: number;
}

/**
 * One Xero client per app, by client id: apps share nothing but Redis, where every replica's
 * limiter and refresh locks meet. A rotated client secret replaces the app's client. Each client
 * holds a limiter and a refresh coordinator, so an app no connection uses any more is dropped:
 * when its last connection is gone (`release`) or points at another app, and when this replica
 * stops leading (`clear`: a standby calls no Xero API).
 */
export class XeroClients {
  private readonly apps = new Map<string, { clientSecret: string; client: XeroClient }>();
  /** The client id each connection last asked for, by connection key. */
  private readonly users = new Map<string, string>();

  constructor(private readonly options: XeroClientsOptions) {}

  /** The app's client for the connection `key` (namespace/name). */
  for(key: string, credentials: XeroAppCredentials): XeroClient {
    const previous = this.users.get(key);
    this.users.set(key, credentials.clientId);
    if (previous !== undefined && previous !== credentials.clientId) this.dropIfUnused(previous);
    const cached = this.apps.get(credentials.clientId);
    if (cached?.clientSecret === credentials.clientSecret) return cached.client;
    const client = this.create(credentials);
    this.apps.set(credentials.clientId, { clientSecret: credentials.clientSecret, client });
    return client;
  }

  /** The connection is gone: its app's client goes too, unless another connection uses it. */
  release(key: string): void {
    const clientId = this.users.get(key);
    if (clientId === undefined) return;
    this.users.delete(key);
    this.dropIfUnused(clientId);
  }

  clear(): void {
    this.apps.clear();
    this.users.clear();
  }

  /** How many apps have a client. */
  get size(): number {
    return this.apps.size;
  }

  private dropIfUnused(clientId: string): void {
    for (const used of this.users.values()) if (used === clientId) return;
    this.apps.delete(clientId);
  }

  private create(credentials: XeroAppCredentials): XeroClient {
    const client = createXeroClient({
      credentials,
      endpoints: this.options.endpoints,
      redis: this.options.redis,
      keyPrefix: this.options.keyPrefix,
      limits: this.options.limits,
      logger: this.options.logger,
      onCall: this.options.onCall,
    });
    return {
      ...client,
      refresher: new RefreshCoordinator({
        redis: this.options.redis,
        identity: client.identity,
        sealingSecret: credentials.clientSecret,
        keyPrefix: refreshKeyPrefix(this.options.keyPrefix),
        lockTtlMs: this.options.refreshLockTtlMs,
        waitTimeoutMs: this.options.refreshLockTtlMs + 30_000,
        logger: this.options.logger,
      }),
    };
  }
}

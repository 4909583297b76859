import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import {
  createXeroClient,
  RefreshCoordinator,
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
 * One Xero client per app (client id + secret): apps share nothing but Redis, where every
 * replica's limiter and refresh locks meet.
 */
export class XeroClients {
  private readonly clients = new Map<string, XeroClient>();

  constructor(private readonly options: XeroClientsOptions) {}

  for(credentials: XeroAppCredentials): XeroClient {
    const fingerprint = createHash('sha256')
      .update(credentials.clientId)
      .update('\0')
      .update(credentials.clientSecret)
      .digest('hex');
    let client = this.clients.get(fingerprint);
    if (!client) {
      client = createXeroClient({
        credentials,
        endpoints: this.options.endpoints,
        redis: this.options.redis,
        keyPrefix: this.options.keyPrefix,
        limits: this.options.limits,
        logger: this.options.logger,
        onCall: this.options.onCall,
      });
      client = {
        ...client,
        refresher: new RefreshCoordinator({
          redis: this.options.redis,
          identity: client.identity,
          sealingSecret: credentials.clientSecret,
          keyPrefix: `${this.options.keyPrefix}:refresh`,
          lockTtlMs: this.options.refreshLockTtlMs,
          waitTimeoutMs: this.options.refreshLockTtlMs + 30_000,
          logger: this.options.logger,
        }),
      };
      this.clients.set(fingerprint, client);
    }
    return client;
  }
}

import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import {
  createXeroClient,
  type XeroAppCredentials,
  type XeroClient,
  type XeroEndpoints,
  type XeroLimits,
  type XeroLogger,
} from '@xero-access/xero-client';

export interface XeroClientsOptions {
  redis: Redis;
  keyPrefix: string;
  endpoints: Partial<XeroEndpoints>;
  limits: Partial<XeroLimits>;
  logger: XeroLogger;
  /** Called for every HTTP response (metrics: Xero calls by status). */
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
      });
      this.clients.set(fingerprint, client);
    }
    return client;
  }
}

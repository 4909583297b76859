import { createHash, randomUUID } from 'node:crypto';
import { type Redis } from 'ioredis';
import { XeroError, xeroErrors, XERO_ERROR_REASONS, type XeroErrorReason } from '../errors.js';
import { delay } from '../http/backoff.js';
import { silentLogger, type XeroLogger } from '../logger.js';
import { type XeroIdentityClient } from '../oauth/identity-client.js';
import { type XeroTokenSet } from '../oauth/schemas.js';
import { refreshLockKey } from './refresh-keys.js';
import { open, seal } from './sealed.js';

export interface RefreshCoordinatorOptions {
  redis: Redis;
  identity: XeroIdentityClient;
  /** Seals published results; use the app's client secret. */
  sealingSecret: string;
  keyPrefix?: string;
  /** The lock outlives a crashed holder by at most this long. */
  lockTtlMs?: number;
  /** How long other replicas keep the published result. */
  resultTtlMs?: number;
  pollMs?: number;
  /** A waiting caller gives up (Unavailable) after this long. */
  waitTimeoutMs?: number;
  logger?: XeroLogger;
}

export interface RefreshRequest {
  /** Identifies the grant, e.g. `namespace/name` of the XeroConnection. */
  connectionKey: string;
  refreshToken: string;
  /**
   * Stores the rotated token set (the reconciler writes the token Secret). Must succeed before
   * anyone receives the new access token: a lost refresh token means a person must consent again.
   */
  persist(tokens: XeroTokenSet): Promise<void>;
}

type Published =
  | { ok: true; tokens: Omit<XeroTokenSet, 'expiresAt'> & { expiresAt: string } }
  | { ok: false; reason: XeroErrorReason; message: string; code?: string; statusCode?: number };

const RELEASE_LOCK = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/**
 * Refreshes a connection's tokens at most once per refresh token across every process: callers
 * in one process share one promise; processes take a Redis lock (SET NX PX), and the holder
 * publishes the outcome (sealed) for the others, who wait for it instead of spending the token.
 */
export class RefreshCoordinator {
  private readonly inFlight = new Map<string, Promise<XeroTokenSet>>();
  private readonly keyPrefix: string;
  private readonly lockTtlMs: number;
  private readonly resultTtlMs: number;
  private readonly pollMs: number;
  private readonly waitTimeoutMs: number;
  private readonly logger: XeroLogger;

  constructor(private readonly options: RefreshCoordinatorOptions) {
    this.keyPrefix = options.keyPrefix ?? 'xero-refresh';
    this.lockTtlMs = options.lockTtlMs ?? 60_000;
    this.resultTtlMs = options.resultTtlMs ?? 120_000;
    this.pollMs = options.pollMs ?? 50;
    this.waitTimeoutMs = options.waitTimeoutMs ?? 90_000;
    this.logger = options.logger ?? silentLogger;
  }

  refresh(request: RefreshRequest): Promise<XeroTokenSet> {
    const digest = createHash('sha256').update(request.refreshToken).digest('hex').slice(0, 32);
    const flightKey = `${request.connectionKey}\u0000${digest}`;
    let flight = this.inFlight.get(flightKey);
    if (!flight) {
      flight = this.coordinate(request, digest).finally(() => this.inFlight.delete(flightKey));
      this.inFlight.set(flightKey, flight);
    }
    return flight;
  }

  private async coordinate(request: RefreshRequest, digest: string): Promise<XeroTokenSet> {
    const { redis } = this.options;
    const base = `${this.keyPrefix}:${request.connectionKey}`;
    const resultKey = `${base}:result:${digest}`;
    const lockKey = refreshLockKey(this.keyPrefix, request.connectionKey);
    const deadline = Date.now() + this.waitTimeoutMs;
    for (;;) {
      if (redis.status !== 'ready') {
        // Without Redis only this process is single-flight; two replicas refreshing at once
        // both get the same new set thanks to Xero's grace period for the previous token.
        this.logger.warn(
          { connection: request.connectionKey },
          'Redis unavailable: refreshing without the shared lock',
        );
        return this.refreshAndPersist(request);
      }
      const published = await this.readResult(resultKey, request.connectionKey);
      if (published) return this.unpack(published);
      const owner = randomUUID();
      const locked = await redis
        .set(lockKey, owner, 'PX', this.lockTtlMs, 'NX')
        .catch(() => undefined);
      if (locked === undefined) {
        this.logger.warn(
          { connection: request.connectionKey },
          'Redis did not answer: refreshing without the shared lock',
        );
        return this.refreshAndPersist(request);
      }
      if (locked === 'OK') {
        try {
          const raced = await this.readResult(resultKey, request.connectionKey);
          if (raced) return this.unpack(raced);
          return await this.refreshAndPublish(request, resultKey);
        } finally {
          await redis.eval(RELEASE_LOCK, 1, lockKey, owner).catch(() => undefined);
        }
      }
      if (Date.now() > deadline) {
        throw xeroErrors.unavailable(
          'token refresh',
          'timed out waiting for another replica to refresh',
        );
      }
      await delay(this.pollMs);
    }
  }

  private async refreshAndPublish(
    request: RefreshRequest,
    resultKey: string,
  ): Promise<XeroTokenSet> {
    try {
      const tokens = await this.refreshAndPersist(request);
      await this.publish(resultKey, request.connectionKey, {
        ok: true,
        tokens: { ...tokens, expiresAt: tokens.expiresAt.toISOString() },
      });
      return tokens;
    } catch (error) {
      // A definite answer (invalid_grant, invalid_client) is the same for everyone: share it.
      if (error instanceof XeroError && !error.transient) {
        await this.publish(resultKey, request.connectionKey, {
          ok: false,
          reason: error.reason,
          message: error.message,
          ...(error.code ? { code: error.code } : {}),
          ...(error.statusCode ? { statusCode: error.statusCode } : {}),
        });
      }
      throw error;
    }
  }

  private async refreshAndPersist(request: RefreshRequest): Promise<XeroTokenSet> {
    const tokens = await this.options.identity.refresh(request.refreshToken);
    await request.persist(tokens);
    this.logger.info(
      { connection: request.connectionKey, expiresAt: tokens.expiresAt.toISOString() },
      'tokens refreshed',
    );
    return tokens;
  }

  private async publish(
    resultKey: string,
    connectionKey: string,
    result: Published,
  ): Promise<void> {
    const sealed = seal(JSON.stringify(result), this.options.sealingSecret, connectionKey);
    await this.options.redis.set(resultKey, sealed, 'PX', this.resultTtlMs).catch(() => undefined);
  }

  private async readResult(
    resultKey: string,
    connectionKey: string,
  ): Promise<Published | undefined> {
    const sealed = await this.options.redis.get(resultKey).catch(() => null);
    if (!sealed) return undefined;
    const text = open(sealed, this.options.sealingSecret, connectionKey);
    return text ? (JSON.parse(text) as Published) : undefined;
  }

  private unpack(published: Published): XeroTokenSet {
    if (published.ok)
      return { ...published.tokens, expiresAt: new Date(published.tokens.expiresAt) };
    const reason = XERO_ERROR_REASONS.includes(published.reason) ? published.reason : 'Unavailable';
    throw new XeroError(reason, published.message, {
      operation: 'token refresh',
      code: published.code,
      statusCode: published.statusCode,
    });
  }
}

import type { CoreV1Api, V1Secret } from '@kubernetes/client-node';
import type { XeroConnection } from '@xero-access/crd';
import {
  isXeroError,
  refreshTokenSha256,
  xeroErrors,
  type XeroClient,
} from '@xero-access/xero-client';
import { describeKubeError } from '../kube/http-status.js';
import { RecentSecretWrites } from '../kube/recent-secret-writes.js';
import { markLogged } from '@xero-access/model';
import type { Logger } from '../logging/logger.js';
import {
  overwrittenTokenRefused,
  overwrittenWarning,
  TOKEN_SECRET_OVERWRITTEN,
} from './overwritten-token-secret.js';
import { persistTokenSet, readTokenSecret, type StoredTokens } from './token-secret.js';
import {
  preflightWriteBack,
  writeBackFailed,
  XERO_REFRESH_GRACE_MS,
} from './unwritable-token-secret.js';

export type RefreshOutcome = 'rotated' | 'reused' | 'client_credentials' | 'failed';

export interface AccessGrant {
  accessToken: string;
  expiresAt: Date;
  /** True when the token was issued during this call (a 401 then means Unauthorized, not stale). */
  fresh: boolean;
  /** When the refresh token was last rotated and written back (authorization code flow). */
  refreshTokenRotatedAt: Date | null;
  /** The token Secret's tenant_id (authorization code flow), when it has one. */
  secretTenantId: string | null;
}

/**
 * Records a Warning Event about the connection: the caller's, so that it is fenced as its other
 * writes are. Best effort, as Events are.
 */
export type TokenWarning = (reason: string, message: string) => Promise<void>;

export interface TokenOptions {
  forceRefresh?: boolean;
  warn?: TokenWarning;
  /** Aborts the token Secret's reads (the reconcile's deadline). */
  signal?: AbortSignal;
}

/** A grant renewed now, or when the next renewal falls due (nothing was asked of Xero). */
export type KeepAliveOutcome = { grant: AccessGrant } | { dueAt: Date };

export interface TokenManagerOptions {
  core: CoreV1Api;
  /** Refresh when the access token has less than this left. */
  refreshAheadMs: number;
  logger: Logger;
  onRefresh?(outcome: RefreshOutcome): void;
}

/** OIDC scopes and offline_access mean nothing to a client credentials grant. */
const USER_SCOPES = new Set(['openid', 'profile', 'email', 'offline_access']);

const connectionKey = (connection: XeroConnection): string =>
  `${connection.metadata!.namespace!}/${connection.metadata!.name!}`;

/**
 * Access tokens for a XeroConnection. Authorization code: the token Secret is the source of
 * truth; a refresh goes through the client's RefreshCoordinator (one refresh per refresh token
 * across replicas), whose persist step writes the rotated set to the Secret before anyone gets
 * the new access token. Client credentials: a token per connection and app, kept in memory.
 */
export class TokenManager {
  /** Token Secret versions written here: the Secret watch ignores them (no sync per write-back). */
  readonly secretWrites = new RecentSecretWrites();
  /** By connection key; a token is only reused for the app (client id) it was issued to. */
  private readonly clientCredentialTokens = new Map<
    string,
    { clientId: string; accessToken: string; expiresAt: Date; issuedAt: Date }
  >();
  /** By connection key: the token Secret version last reported as overwritten (one Event per overwrite). */
  private readonly reportedOverwrites = new Map<string, string>();
  /**
   * By connection key: a refresh token spent for a set whose write-back failed (its digest, and
   * when it was first spent), while Xero's grace period lets a retry get that set again.
   */
  private readonly unsavedRotations = new Map<string, { digest: string; spentAt: Date }>();

  constructor(private readonly options: TokenManagerOptions) {}

  /**
   * `signal` aborts the token Secret's reads (the reconcile's deadline), not a refresh under way:
   * its write-back has a budget of its own (WRITE_BACK_TIMEOUT_MS).
   */
  async accessToken(
    connection: XeroConnection,
    client: XeroClient,
    options: TokenOptions = {},
  ): Promise<AccessGrant> {
    const key = connectionKey(connection);
    if (connection.spec.authFlow === 'ClientCredentials')
      return this.clientCredentials(key, connection, client, options.forceRefresh);
    const stored = await this.readTokens(key, connection, options.signal);
    return this.authorizationCode(key, connection, client, stored, options);
  }

  /**
   * For a suspended connection, which needs no access token, only a grant that stays alive: the
   * token is renewed (as accessToken does) when its last renewal is older than `maxAgeMs` or
   * unknown; otherwise nothing is asked of Xero and the answer is when it falls due.
   */
  async keepAlive(
    connection: XeroConnection,
    client: XeroClient,
    maxAgeMs: number,
    warn?: TokenWarning,
    signal?: AbortSignal,
  ): Promise<KeepAliveOutcome> {
    const key = connectionKey(connection);
    const notDue = (renewedAt: Date | null | undefined): KeepAliveOutcome | undefined =>
      renewedAt && renewedAt.getTime() > Date.now() - maxAgeMs
        ? { dueAt: new Date(renewedAt.getTime() + maxAgeMs) }
        : undefined;
    if (connection.spec.authFlow === 'ClientCredentials') {
      return (
        notDue(this.cachedClientCredentials(key, client)?.issuedAt) ?? {
          grant: await this.clientCredentials(key, connection, client),
        }
      );
    }
    const stored = await this.readTokens(key, connection, signal);
    return (
      notDue(stored.tokens.rotatedAt) ?? {
        grant: await this.authorizationCode(key, connection, client, stored, { warn, signal }),
      }
    );
  }

  /** The token Secret; InvalidSpec when it is missing, malformed or immutable (see parseTokenSecret). */
  private async readTokens(
    key: string,
    connection: XeroConnection,
    signal: AbortSignal | undefined,
  ): Promise<{ secret: V1Secret; tokens: StoredTokens }> {
    const ref = connection.spec.tokenSecretRef;
    if (!ref)
      throw xeroErrors.invalidSpec(
        `XeroConnection ${key}`,
        'spec.tokenSecretRef is required for the AuthorizationCode flow',
      );
    return readTokenSecret(this.options.core, connection.metadata!.namespace!, ref.name, signal);
  }

  /**
   * `reread`: the Secret was read again because it changed under the write-back's dry run
   * (preflightWriteBack); a second change is left to the write-back's own conflict handling.
   */
  private async authorizationCode(
    key: string,
    connection: XeroConnection,
    client: XeroClient,
    { secret, tokens }: { secret: V1Secret; tokens: StoredTokens },
    options: TokenOptions,
    reread = false,
  ): Promise<AccessGrant> {
    const { forceRefresh = false, warn, signal } = options;
    const namespace = connection.metadata!.namespace!;
    const secretName = tokens.secretName;
    const aheadOf = Date.now() + this.options.refreshAheadMs;
    if (
      !forceRefresh &&
      tokens.accessToken &&
      tokens.expiresAt &&
      tokens.expiresAt.getTime() > aheadOf
    ) {
      return {
        accessToken: tokens.accessToken,
        expiresAt: tokens.expiresAt,
        fresh: false,
        refreshTokenRotatedAt: tokens.rotatedAt,
        secretTenantId: tokens.tenantId,
      };
    }
    // The rotated set must be stored before anyone uses it, or the grant is lost once Xero's
    // grace period ends: a Secret the reconciler may not write (RBAC, an admission policy) is
    // found out by a dry run of the write-back while the refresh token is still unspent.
    const digest = refreshTokenSha256(tokens.refreshToken);
    const unsaved = this.unsavedRotation(key, digest);
    const preflight = await preflightWriteBack(
      this.options.core,
      namespace,
      secret,
      signal,
      unsaved,
    );
    if (preflight === 'changed' && !reread)
      return this.authorizationCode(
        key,
        connection,
        client,
        await this.readTokens(key, connection, signal),
        options,
        true,
      );
    if (tokens.overwritten) await this.reportOverwritten(key, namespace, tokens, warn);
    let rotatedAt = tokens.rotatedAt;
    let superseded = false;
    try {
      const set = await client.refresher.refresh({
        connectionKey: key,
        refreshToken: tokens.refreshToken,
        persist: async (rotated) => {
          const writtenAt = new Date();
          rotatedAt = writtenAt;
          let outcome;
          try {
            outcome = await persistTokenSet(
              this.options.core,
              namespace,
              secret,
              tokens.refreshToken,
              rotated,
              writtenAt,
            );
          } catch (error) {
            // Xero answers this refresh token with the same set for its grace period, counted
            // from its first use: a retry within it can still store the set.
            const spentAt = unsaved ?? writtenAt;
            this.unsavedRotations.set(key, { digest, spentAt });
            const failed = writeBackFailed(error, namespace, secretName, spentAt);
            // Logged here, with what went wrong, at error: the grant is lost at graceEndsAt.
            // The reconcile's own line leaves it out (markLogged).
            this.options.logger.error(
              {
                connection: key,
                tokenSecret: secretName,
                kubeError: describeKubeError(error),
                graceEndsAt: failed.graceEndsAt!.toISOString(),
              },
              'rotated token set not stored: Xero hands out the same set until graceEndsAt',
            );
            throw markLogged(failed);
          }
          this.unsavedRotations.delete(key);
          if (outcome.superseded) {
            superseded = true;
            this.options.logger.info(
              { connection: key, tokenSecret: secretName },
              'a newer token set (a new consent) was stored while refreshing: kept it instead of the rotated set of the earlier grant',
            );
            return;
          }
          this.secretWrites.record({
            namespace,
            name: secretName,
            resourceVersion: outcome.secret.metadata?.resourceVersion ?? '',
          });
          this.options.logger.info(
            {
              connection: key,
              tokenSecret: secretName,
              expiresAt: rotated.expiresAt.toISOString(),
            },
            'refresh token rotated and written back',
          );
        },
      });
      this.options.onRefresh?.(rotatedAt !== tokens.rotatedAt ? 'rotated' : 'reused');
      if (!superseded)
        return {
          accessToken: set.accessToken,
          expiresAt: set.expiresAt,
          fresh: true,
          refreshTokenRotatedAt: rotatedAt,
          secretTenantId: tokens.tenantId,
        };
    } catch (error) {
      this.options.onRefresh?.('failed');
      if (tokens.overwritten && isXeroError(error, 'ReauthorizationRequired'))
        throw overwrittenTokenRefused(error, namespace, secretName);
      throw error;
    }
    // Carry on with the newer token set in the Secret (its access token was just issued).
    return this.accessToken(connection, client, { warn, signal });
  }

  /** Says once per version of the token Secret that someone else put its refresh token there. */
  private async reportOverwritten(
    key: string,
    namespace: string,
    tokens: StoredTokens,
    warn: TokenWarning | undefined,
  ): Promise<void> {
    if (this.reportedOverwrites.get(key) === tokens.resourceVersion) return;
    this.options.logger.warn(
      { connection: key, tokenSecret: tokens.secretName, eventReason: TOKEN_SECRET_OVERWRITTEN },
      'token Secret holds a refresh token the operator did not write: something else overwrote it',
    );
    await warn?.(TOKEN_SECRET_OVERWRITTEN, overwrittenWarning(namespace, tokens.secretName));
    this.reportedOverwrites.set(key, tokens.resourceVersion);
  }

  forget(key: string): void {
    this.clientCredentialTokens.delete(key);
    this.reportedOverwrites.delete(key);
    this.unsavedRotations.delete(key);
  }

  /** When this refresh token was spent for a set not stored, while Xero still hands that set out. */
  private unsavedRotation(key: string, digest: string): Date | undefined {
    const unsaved = this.unsavedRotations.get(key);
    if (!unsaved) return undefined;
    if (unsaved.digest === digest && unsaved.spentAt.getTime() + XERO_REFRESH_GRACE_MS > Date.now())
      return unsaved.spentAt;
    this.unsavedRotations.delete(key);
    return undefined;
  }

  /**
   * The token issued for this connection with this app: credentials pointed at another custom
   * connection (another organisation) need a token of their own at once.
   */
  private cachedClientCredentials(key: string, client: XeroClient) {
    const cached = this.clientCredentialTokens.get(key);
    return cached?.clientId === client.identity.clientId ? cached : undefined;
  }

  private async clientCredentials(
    key: string,
    connection: XeroConnection,
    client: XeroClient,
    force = false,
  ): Promise<AccessGrant> {
    const cached = this.cachedClientCredentials(key, client);
    if (!force && cached && cached.expiresAt.getTime() > Date.now() + this.options.refreshAheadMs) {
      return {
        accessToken: cached.accessToken,
        expiresAt: cached.expiresAt,
        fresh: false,
        refreshTokenRotatedAt: null,
        secretTenantId: null,
      };
    }
    const scopes = (connection.spec.scopes ?? []).filter((s) => !USER_SCOPES.has(s));
    try {
      const set = await client.identity.clientCredentials(scopes.length > 0 ? scopes : undefined);
      this.clientCredentialTokens.set(key, {
        clientId: client.identity.clientId,
        accessToken: set.accessToken,
        expiresAt: set.expiresAt,
        issuedAt: new Date(),
      });
      this.options.onRefresh?.('client_credentials');
      return {
        accessToken: set.accessToken,
        expiresAt: set.expiresAt,
        fresh: true,
        refreshTokenRotatedAt: null,
        secretTenantId: null,
      };
    } catch (error) {
      this.options.onRefresh?.('failed');
      throw error;
    }
  }
}

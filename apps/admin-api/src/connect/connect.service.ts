import { HttpException, Inject, Injectable, Optional } from '@nestjs/common';
import {
  DEFAULT_SCOPES,
  Transport,
  XeroIdentityClient,
  XeroRateLimiter,
  credentialsFromSecretRef,
  isXeroError,
  limiterKeyPrefix,
  type XeroLogger,
} from '@xero-access/xero-client';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/config.js';
import { BadRequestField, conflict, notFound, unavailable } from '../http/errors.js';
import { KubeGateway, isNotFound, type XeroConnectionResource } from '../kube/kube.js';
import { kubeFailuresAsHttp } from '../kube/kube-failure.js';
import { LOGGER } from '../logging/logger.module.js';
import { REDIS } from '../redis/redis.module.js';
import { type OAuthStateSigner, newNonce } from './oauth-state.js';
import { beforeExchangeFailure, preflightTokenSecret } from './token-secret.js';
import { TokenSetWriter } from './token-set-writer.js';

export const STATE_SIGNER = Symbol('OAuthStateSigner');
/**
 * How long a code exchange waits for a slot under the extra caps: the person is waiting on the
 * callback page. A slot further away fails the exchange with RateLimited, as a 429 does.
 */
export const CODE_EXCHANGE_MAX_WAIT_MS = 15_000;

/**
 * The limiter the reconciler's Xero clients use, over the admin API's Redis: the same keys
 * (`limiterKeyPrefix` ignores the trailing ':' of the admin API's REDIS_KEY_PREFIX), so every
 * replica of both apps spends one budget. Token requests are charged to the extra caps
 * (XERO_EXTRA_LIMITS) only: Xero does not count them in its own limits, an integration in front of
 * it does.
 */
export function connectLimiter(
  redis: Redis,
  config: AppConfig,
  logger: XeroLogger,
): XeroRateLimiter {
  return new XeroRateLimiter({
    redis,
    keyPrefix: limiterKeyPrefix(config.redisKeyPrefix),
    limits: { extraCaps: config.xero.extraCaps },
    tuning: { maxWaitMs: CODE_EXCHANGE_MAX_WAIT_MS },
    logger,
  });
}

/** How long a started flow waits for its callback. */
export const FLOW_TTL_SECONDS = 600;

interface PendingFlow {
  namespace: string;
  name: string;
  codeVerifier: string;
  redirectUri: string;
  startedBy: string;
}

/** Xero's authorization-code flow for one XeroConnection: PKCE, signed single-use state, token Secret. */
@Injectable()
export class ConnectService {
  private identityTransport: Transport | undefined;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(STATE_SIGNER) private readonly signer: OAuthStateSigner,
    @Inject(TokenSetWriter) private readonly writer: TokenSetWriter,
    @Inject(LOGGER) private readonly logger: Logger,
    @Optional() @Inject(KubeGateway) private readonly kube: KubeGateway | null,
  ) {}

  /**
   * Token requests, charged to the shared extra caps. Made on first use: building the app (the
   * OpenAPI document is generated from it) touches no Redis.
   */
  private get transport(): Transport {
    this.identityTransport ??= new Transport({
      timeoutMs: 15_000,
      limiter: connectLimiter(this.redis, this.config, this.logger),
    });
    return this.identityTransport;
  }

  get redirectUri(): string {
    return `${this.config.publicUrl.replace(/\/$/, '')}/connect/callback`;
  }

  private gateway(): KubeGateway {
    if (!this.kube)
      throw unavailable('Kubernetes is not configured for this API (KUBECONFIG or in-cluster)');
    return this.kube;
  }

  private async identityFor(resource: XeroConnectionResource): Promise<XeroIdentityClient> {
    const ref = resource.spec.credentialsSecretRef;
    if (!ref?.name) throw conflict('spec.credentialsSecretRef.name is not set');
    let secret;
    try {
      secret = await this.gateway().core.readNamespacedSecret({
        namespace: resource.metadata.namespace,
        name: ref.name,
      });
    } catch (error) {
      if (isNotFound(error))
        throw conflict(
          `credentials Secret ${ref.name} does not exist in namespace ${resource.metadata.namespace}`,
        );
      throw error;
    }
    try {
      // As the reconciler reads them: a value no credential could be never reaches the consent URL.
      const credentials = credentialsFromSecretRef(resource.metadata.namespace, ref, secret.data);
      const { identityUrl, loginUrl, apiUrl } = this.config.xero;
      return new XeroIdentityClient(credentials, this.transport, {
        ...(identityUrl ? { identityUrl } : {}),
        ...(loginUrl ? { loginUrl } : {}),
        ...(apiUrl ? { apiUrl } : {}),
      });
    } catch (error) {
      if (isXeroError(error)) throw conflict(error.message);
      throw error;
    }
  }

  private async connection(namespace: string, name: string): Promise<XeroConnectionResource> {
    const resource = await this.gateway().getConnection(namespace, name);
    if (!resource) throw notFound('XeroConnection', `${namespace}/${name}`);
    if ((resource.spec.authFlow ?? 'AuthorizationCode') !== 'AuthorizationCode') {
      throw conflict(
        `XeroConnection ${namespace}/${name} uses ${resource.spec.authFlow}: there is nothing to authorize`,
      );
    }
    if (!resource.spec.tokenSecretRef?.name)
      throw conflict(`XeroConnection ${namespace}/${name} has no spec.tokenSecretRef`);
    return resource;
  }

  /** Returns the URL to send the person to; the PKCE verifier stays here, under the state's nonce. */
  async start(
    namespace: string,
    name: string,
    startedBy: string,
  ): Promise<{ authorizeUrl: string; expiresAt: string }> {
    const { resource, identity } = await kubeFailuresAsHttp(
      this.gateway(),
      `could not read XeroConnection ${namespace}/${name} and its credentials`,
      async () => {
        const resource = await this.connection(namespace, name);
        return { resource, identity: await this.identityFor(resource) };
      },
    );
    const nonce = newNonce();
    const exp = Math.floor(Date.now() / 1000) + FLOW_TTL_SECONDS;
    const state = this.signer.sign({ nonce, namespace, name, exp });
    const start = identity.authorizeUrl({
      redirectUri: this.redirectUri,
      scopes: resource.spec.scopes ?? DEFAULT_SCOPES,
      state,
    });
    const flow: PendingFlow = {
      namespace,
      name,
      codeVerifier: start.codeVerifier,
      redirectUri: this.redirectUri,
      startedBy,
    };
    await this.redis.set(this.flowKey(nonce), JSON.stringify(flow), 'EX', FLOW_TTL_SECONDS);
    return { authorizeUrl: start.url, expiresAt: new Date(exp * 1000).toISOString() };
  }

  /**
   * Verifies the state, proves the token Secret can be written, spends the state, exchanges the
   * code and stores the token set. Everything that can fail before the exchange fails with the
   * state and the code unspent, so reloading the callback tries again.
   */
  async complete(
    input: { code?: string; state?: string; error?: string; errorDescription?: string },
    /** Told who started the flow once the state checks out (the audit log names them). */
    onFlow?: (startedBy: string) => void,
  ): Promise<CallbackAnswer> {
    if (!input.state) throw new BadRequestField('query.state', 'is required');
    const verified = this.signer.verify(input.state);
    if (!verified.ok) throw new BadRequestField('query.state', verified.problem);
    const { nonce, namespace, name } = verified.payload;
    const connection = `${namespace}/${name}`;
    const stored = await this.redis.get(this.flowKey(nonce));
    if (!stored) throw stateSpent();
    const flow = JSON.parse(stored) as PendingFlow;
    onFlow?.(flow.startedBy);
    if (input.error || !input.code) {
      await this.redis.del(this.flowKey(nonce));
      if (input.error)
        throw new BadRequestField(
          'query.error',
          `Xero refused the authorization: ${input.error}${input.errorDescription ? ` (${input.errorDescription})` : ''}`,
        );
      throw new BadRequestField('query.code', 'is required');
    }
    const { resource, identity } = await beforeExchange(
      `could not read XeroConnection ${connection} and its credentials`,
      async () => {
        const resource = await this.connection(namespace, name);
        return { resource, identity: await this.identityFor(resource) };
      },
    );
    const secretName = resource.spec.tokenSecretRef!.name;
    const kube = this.gateway();
    await beforeExchange(`cannot write the token Secret ${namespace}/${secretName}`, () =>
      preflightTokenSecret(kube.core, namespace, secretName),
    );
    // GETDEL makes the state single-use even with several replicas behind a load balancer.
    if (!(await this.redis.getdel(this.flowKey(nonce)))) throw stateSpent();
    let tokens;
    try {
      tokens = await identity.exchangeCode(input.code, flow.redirectUri, flow.codeVerifier);
    } catch (error) {
      if (isXeroError(error))
        throw new BadRequestField('query.code', `the code exchange failed: ${error.message}`);
      throw error;
    }
    const answer = await this.writer.store({
      kube,
      connection,
      namespace,
      secret: secretName,
      tokens,
      startedBy: flow.startedBy,
    });
    if (!answer.stored)
      return {
        status: 202,
        body: {
          connected: false,
          connection,
          tokenSecret: secretName,
          storingUntil: answer.until.toISOString(),
          message: `Xero granted access. The Kubernetes API has not stored the token set in Secret ${namespace}/${secretName} yet (${answer.problem}), so the admin API keeps it and tries again until ${answer.until.toISOString()}, logging the outcome. Nothing to do unless an administrator asks you to connect again.`,
        },
      };
    return {
      status: 200,
      body: {
        connected: true,
        connection,
        tokenSecret: secretName,
        scopes: tokens.scopes,
        refreshToken: tokens.refreshToken !== null,
        accessTokenExpiresAt: tokens.expiresAt,
      },
    };
  }

  private flowKey(nonce: string): string {
    return `${this.config.redisKeyPrefix}connect:${nonce}`;
  }
}

/** What the callback answers: stored (200), or held and still being written (202). */
export type CallbackAnswer =
  | {
      status: 200;
      body: {
        connected: true;
        connection: string;
        tokenSecret: string;
        scopes: string[];
        refreshToken: boolean;
        accessTokenExpiresAt: Date;
      };
    }
  | {
      status: 202;
      body: {
        connected: false;
        connection: string;
        tokenSecret: string;
        storingUntil: string;
        message: string;
      };
    };

function stateSpent(): BadRequestField {
  return new BadRequestField(
    'query.state',
    'was already used or has expired (start the connection again)',
  );
}

/** Runs a step before the code is exchanged: a Kubernetes failure is answered naming `what`. */
async function beforeExchange<T>(what: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (error instanceof HttpException) throw error;
    throw beforeExchangeFailure(error, what);
  }
}

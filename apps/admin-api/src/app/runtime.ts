import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { connectWithRetry, parseDatabaseUrl, type ModelOrm } from '@xero-access/model';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { OidcVerifier } from '../auth/oidc.js';
import type { AppConfig } from '../config/config.js';
import { OAuthStateSigner } from '../connect/oauth-state.js';
import { KubeGateway, loadKubeConfig } from '../kube/kube.js';
import { logRedisOutages } from '../redis/redis-outage-log.js';
import type { AppDependencies } from './app.module.js';

/**
 * Opens the model, waiting up to DATABASE_STARTUP_WAIT while the database is not available yet
 * (each wait logged at warn), so a pod that starts before PostgreSQL does not crash-loop.
 */
export async function openModel(config: AppConfig, logger: Logger): Promise<ModelOrm> {
  const parsed = parseDatabaseUrl(config.databaseUrl, 'DATABASE_URL');
  const sqlite = parsed.dialect === 'sqlite';
  // The embedded default lives in a folder that may not exist yet on a fresh machine or volume.
  if (sqlite && parsed.dbName && parsed.dbName !== ':memory:')
    mkdirSync(dirname(parsed.dbName), { recursive: true });
  // The embedded SQLite default migrates itself; PostgreSQL migrates from a deploy step unless told.
  return connectWithRetry({
    app: 'admin API',
    url: config.databaseUrl,
    migrate: config.migrate ?? sqlite,
    migrationJob: config.migrationJob,
    poolMax: config.databasePoolMax,
    waitMs: config.databaseStartupWaitMs,
    logger,
  });
}

/**
 * Opens the model for a CLI command (`token …`, `verify-chain`; `command` names it in errors): the
 * database the API uses, as it is. Unlike the API's start it never migrates or backfills (whatever
 * DATABASE_MIGRATE says) and never creates a SQLite file or its folder, and it refuses a schema
 * older or newer than this build, as `xao-model verify-chain` does. It waits for a database that
 * is not available yet as the API does (DATABASE_STARTUP_WAIT).
 */
export async function openExistingModel(
  config: AppConfig,
  logger: Logger,
  command: string,
): Promise<ModelOrm> {
  return connectWithRetry({
    app: 'admin API',
    url: config.databaseUrl,
    migrate: false,
    mustExist: true,
    command,
    poolMax: config.databasePoolMax,
    waitMs: config.databaseStartupWaitMs,
    logger,
  });
}

/**
 * The API's Redis client. A command gets no answer for at most 2 s: a Redis that accepts
 * connections but hangs must not hang every request behind the rate limits (which then count
 * per replica) or the connect flow (which then answers 503). An outage is logged as it begins,
 * every 30 s while it lasts and as it ends (logRedisOutages), not at each reconnect.
 */
export function createApiRedis(url: string, logger: Logger): Redis {
  const redis = new Redis(url, {
    lazyConnect: false,
    maxRetriesPerRequest: 2,
    enableOfflineQueue: true,
    connectTimeout: 2_000,
    commandTimeout: 2_000,
  });
  logRedisOutages(redis, logger);
  return redis;
}

/** Connects everything the app needs from the configuration. */
export async function buildDependencies(
  config: AppConfig,
  logger: Logger,
): Promise<AppDependencies> {
  const model = await openModel(config, logger);
  const redis = createApiRedis(config.redisUrl, logger);
  const kc = loadKubeConfig(config.kubeconfig);
  if (!kc)
    logger.warn(
      'no Kubernetes configuration: connections are read from the database only and connect is unavailable',
    );
  const { jwksUrl } = config.oidc;
  return {
    config,
    model,
    redis,
    logger,
    kube: kc ? new KubeGateway(kc, config.watchNamespaces) : null,
    oidc: jwksUrl ? new OidcVerifier({ ...config.oidc, jwksUrl }) : null,
    stateSigner: config.stateSecret
      ? new OAuthStateSigner(Buffer.from(config.stateSecret, 'utf8'))
      : new OAuthStateSigner(randomBytes(32)),
  };
}

/** Who the audit log names for what start-up changes itself. */
const BOOTSTRAP_ACTOR = { actor: 'system:bootstrap' };

/**
 * Tokens given at deploy time (env or a mounted Secret) are made valid at start-up. A token this
 * creates or changes (a new secret, role or expiry) is audited; one left as it was is not.
 */
export async function ensureBootstrapTokens(deps: AppDependencies): Promise<void> {
  const { bootstrapAdminToken, bootstrapScimToken } = deps.config;
  if (bootstrapAdminToken)
    await deps.model.db.tokens.ensure({
      name: 'bootstrap-admin',
      role: 'admin',
      token: bootstrapAdminToken,
      by: BOOTSTRAP_ACTOR,
    });
  if (bootstrapScimToken)
    await deps.model.db.tokens.ensure({
      name: 'bootstrap-scim',
      role: 'scim',
      token: bootstrapScimToken,
      by: BOOTSTRAP_ACTOR,
    });
}

export async function closeDependencies(deps: AppDependencies): Promise<void> {
  deps.redis.disconnect();
  await deps.model.close();
}

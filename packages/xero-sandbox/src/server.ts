import formbody from '@fastify/formbody';
import Fastify, { type FastifyServerOptions } from 'fastify';
import { SandboxAdmin } from './admin/admin.js';
import { registerAdminRoutes } from './admin/routes.js';
import { registerAccountingRoutes } from './api/accounting-routes.js';
import { installApiAnswerHeaders } from './api/answer-headers.js';
import { registerConnectionRoutes } from './api/connections-routes.js';
import type { ApiContext } from './api/context.js';
import { RateLimiter } from './api/rate-limiter.js';
import {
  DEFAULT_ACCESS_TOKEN_TTL_MS,
  DEFAULT_AUTH_CODE_TTL_MS,
  DEFAULT_GRANT_GRACE_MS,
  DEFAULT_LIMITS,
  DEFAULT_REFRESH_TOKEN_TTL_MS,
  systemClock,
  type Clock,
  type LimitConfig,
} from './config.js';
import { FaultState, type FaultArea } from './faults/faults.js';
import { installFaultHooks } from './faults/hooks.js';
import { registerAuthorizeRoutes } from './identity/authorize-routes.js';
import type { IdentityContext } from './identity/context.js';
import { createSigningKeys } from './identity/keys.js';
import { registerIdentityRoutes } from './identity/routes.js';
import { TokenIssuer } from './identity/token-issuer.js';
import { applySeed, type SeedInfo } from './seed/apply.js';
import { exampleSeed } from './seed/example.js';
import { parseSeed, type Seed } from './seed/schema.js';
import { StatsRecorder } from './state/stats.js';
import { SandboxStore } from './state/store.js';

export interface StartSandboxOptions {
  /** TCP port; 0 (default) picks a free one. */
  port?: number;
  /** Interface to listen on; loopback by default. */
  host?: string;
  /** What to serve; the built-in example organisations when omitted. */
  seed?: Seed;
  limits?: Partial<LimitConfig>;
  /** How long a rotated refresh token still answers with the same new token set (Xero: 30 min). */
  grantGraceMs?: number;
  accessTokenTtlMs?: number;
  refreshTokenTtlMs?: number;
  authCodeTtlMs?: number;
  /** Time source, for tests that move time by hand. */
  clock?: Clock;
  /** Fastify logger options; off by default. Secrets are never logged (no bodies, no auth headers). */
  logger?: FastifyServerOptions['logger'];
  /** Largest accepted request body (admin seeds can be big). */
  bodyLimit?: number;
  /** Where each Xero host is mounted on the one port (defaults: /identity, /login, /api, /_sandbox). */
  paths?: Partial<SandboxPaths>;
}

export interface SandboxPaths {
  /** Stands in for https://identity.xero.com. */
  identity: string;
  /** Stands in for https://login.xero.com. */
  login: string;
  /** Stands in for https://api.xero.com. */
  api: string;
  /** The sandbox's own admin endpoint. */
  admin: string;
}

const DEFAULT_PATHS: SandboxPaths = {
  identity: '/identity',
  login: '/login',
  api: '/api',
  admin: '/_sandbox',
};

function resolvePaths(overrides: Partial<SandboxPaths> = {}): SandboxPaths {
  const paths = { ...DEFAULT_PATHS, ...overrides };
  for (const [name, path] of Object.entries(paths)) {
    if (!/^\/[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*$/.test(path)) {
      throw new Error(
        `paths.${name}: must look like /segment or /a/b (no trailing slash), got "${path}"`,
      );
    }
  }
  const values = Object.values(paths);
  if (new Set(values).size !== values.length)
    throw new Error('paths: every path must be different');
  return paths;
}

export interface Sandbox {
  url: string;
  identityUrl: string;
  loginUrl: string;
  apiUrl: string;
  adminUrl: string;
  limits: LimitConfig;
  /** Everything the seed created: apps (client ids and secrets), tenants, grants (refresh tokens). */
  seed: SeedInfo;
  apps: SeedInfo['apps'];
  tenants: SeedInfo['tenants'];
  grants: SeedInfo['grants'];
  admin: SandboxAdmin;
  addUser: SandboxAdmin['addUser'];
  updateUser: SandboxAdmin['updateUser'];
  setUserRole: SandboxAdmin['setUserRole'];
  removeUser: SandboxAdmin['removeUser'];
  listUsers: SandboxAdmin['listUsers'];
  revokeGrant: SandboxAdmin['revokeGrant'];
  disconnectTenant: SandboxAdmin['disconnectTenant'];
  removeScope: SandboxAdmin['removeScope'];
  expireAccessTokens: SandboxAdmin['expireAccessTokens'];
  setFaults: SandboxAdmin['setFaults'];
  clearFaults: SandboxAdmin['clearFaults'];
  faults: SandboxAdmin['faults'];
  forceRateLimit: SandboxAdmin['forceRateLimit'];
  stats: SandboxAdmin['stats'];
  resetStats: SandboxAdmin['resetStats'];
  close(): Promise<void>;
}

const areaFinder =
  (paths: SandboxPaths) =>
  (url: string): FaultArea | undefined => {
    const lower = url.toLowerCase();
    const under = (prefix: string) => lower.startsWith(`${prefix.toLowerCase()}/`);
    if (under(paths.api)) return 'api';
    if (under(paths.identity) || under(paths.login)) return 'identity';
    return undefined;
  };

const positive = (name: string, value: number): number => {
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`${name}: must be a positive number, got ${value}`);
  return value;
};

function resolveLimits(overrides: Partial<LimitConfig> = {}): LimitConfig {
  const limits = { ...DEFAULT_LIMITS, ...overrides };
  for (const [name, value] of Object.entries(limits)) positive(`limits.${name}`, value);
  return limits;
}

/** Starts the sandbox on loopback: identity, login, API and admin endpoints on one port. */
export async function startSandbox(options: StartSandboxOptions = {}): Promise<Sandbox> {
  const clock = options.clock ?? systemClock;
  const paths = resolvePaths(options.paths);
  const limits = resolveLimits(options.limits);
  const accessTokenTtlMs = positive(
    'accessTokenTtlMs',
    options.accessTokenTtlMs ?? DEFAULT_ACCESS_TOKEN_TTL_MS,
  );
  const refreshTokenTtlMs = positive(
    'refreshTokenTtlMs',
    options.refreshTokenTtlMs ?? DEFAULT_REFRESH_TOKEN_TTL_MS,
  );
  const grantGraceMs = options.grantGraceMs ?? DEFAULT_GRANT_GRACE_MS;
  if (!Number.isFinite(grantGraceMs) || grantGraceMs < 0)
    throw new Error(`grantGraceMs: must be >= 0, got ${grantGraceMs}`);

  const store = new SandboxStore();
  const seedInfo = applySeed(store, parseSeed(options.seed ?? exampleSeed()), {
    now: clock.now(),
    refreshTokenTtlMs,
  });
  const stats = new StatsRecorder();
  const faults = new FaultState();
  const limiter = new RateLimiter(limits, clock, stats);
  const keys = await createSigningKeys();
  const urls = { identity: '', login: '', api: '' };
  const issuer = new TokenIssuer(store, keys, clock, {
    get issuer() {
      return urls.identity;
    },
    accessTokenTtlMs,
    refreshTokenTtlMs,
    grantGraceMs,
  });
  const apiCtx: ApiContext = { store, limiter, faults, stats, clock };
  const identityCtx: IdentityContext = {
    store,
    issuer,
    keys,
    faults,
    stats,
    clock,
    grantGraceMs,
    authCodeTtlMs: options.authCodeTtlMs ?? DEFAULT_AUTH_CODE_TTL_MS,
    urls,
  };
  const admin = new SandboxAdmin(store, faults, limiter, stats, clock);

  const app = Fastify({
    logger: options.logger ?? false,
    routerOptions: { caseSensitive: false },
    forceCloseConnections: true,
    bodyLimit: options.bodyLimit ?? 64 * 1024 * 1024,
  });
  await app.register(formbody);
  installFaultHooks(app, faults, areaFinder(paths));
  await app.register(async (scope) => registerIdentityRoutes(scope, identityCtx, apiCtx), {
    prefix: paths.identity,
  });
  await app.register(async (scope) => registerAuthorizeRoutes(scope, identityCtx), {
    prefix: paths.login,
  });
  await app.register(
    async (scope) => {
      installApiAnswerHeaders(scope, limiter);
      scope.addHook('onResponse', async (_request, reply) => stats.apiResponse(reply.statusCode));
      registerConnectionRoutes(scope, apiCtx);
      registerAccountingRoutes(scope, apiCtx);
    },
    { prefix: paths.api },
  );

  let url = '';
  const describe = () => ({
    url,
    identityUrl: urls.identity,
    loginUrl: urls.login,
    apiUrl: urls.api,
    limits,
    ...seedInfo,
  });
  await app.register(async (scope) => registerAdminRoutes(scope, admin, describe), {
    prefix: paths.admin,
  });

  await app.listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1' });
  const address = app.server.address();
  if (address === null || typeof address === 'string')
    throw new Error('sandbox: could not read the listening address');
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  url = `http://${host}:${address.port}`;
  urls.identity = `${url}${paths.identity}`;
  urls.login = `${url}${paths.login}`;
  urls.api = `${url}${paths.api}`;

  return {
    url,
    identityUrl: urls.identity,
    loginUrl: urls.login,
    apiUrl: urls.api,
    adminUrl: `${url}${paths.admin}`,
    limits,
    seed: seedInfo,
    apps: seedInfo.apps,
    tenants: seedInfo.tenants,
    grants: seedInfo.grants,
    admin,
    addUser: admin.addUser.bind(admin),
    updateUser: admin.updateUser.bind(admin),
    setUserRole: admin.setUserRole.bind(admin),
    removeUser: admin.removeUser.bind(admin),
    listUsers: admin.listUsers.bind(admin),
    revokeGrant: admin.revokeGrant.bind(admin),
    disconnectTenant: admin.disconnectTenant.bind(admin),
    removeScope: admin.removeScope.bind(admin),
    expireAccessTokens: admin.expireAccessTokens.bind(admin),
    setFaults: admin.setFaults.bind(admin),
    clearFaults: admin.clearFaults.bind(admin),
    faults: admin.faults.bind(admin),
    forceRateLimit: admin.forceRateLimit.bind(admin),
    stats: admin.stats.bind(admin),
    resetStats: admin.resetStats.bind(admin),
    close: () => app.close(),
  };
}

import {
  databasePoolMax,
  databaseStartupWait,
  DEFAULT_DATABASE_URL,
  DEFAULT_MAX_ACCEPTANCE_DAYS,
  durationSetting,
  namespaceListSetting,
  TOKEN_PREFIX,
} from '@xero-access/model';
import { extraCapsSetting } from '@xero-access/xero-client';
import { z } from 'zod';
import { trustProxySetting } from './trust-proxy.js';

const ROLE_NAMES = ['viewer', 'reviewer', 'admin'] as const;

/** `group=role,group=role` → map; a role not in ROLE_NAMES is refused. */
const groupRoles = z
  .string()
  .default('')
  .transform((text, ctx) => {
    const map: Record<string, (typeof ROLE_NAMES)[number]> = {};
    for (const pair of text
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean)) {
      const [group, role] = pair.split('=').map((p) => p.trim());
      if (!group || !role || !(ROLE_NAMES as readonly string[]).includes(role)) {
        ctx.addIssue({
          code: 'custom',
          message: `expected group=viewer|reviewer|admin pairs, got "${pair}"`,
        });
        return z.NEVER;
      }
      map[group] = role as (typeof ROLE_NAMES)[number];
    }
    return map;
  });

const TOKEN_LENGTH = 'must be 32 to 512 characters';

/**
 * Surrounding whitespace is dropped: a Secret made from a file holds the newline the file ends
 * in, and the token sent would never match. What is left must be what a caller can send after
 * `Bearer ` (no spaces, printable ASCII), of a length the directory stores, and carry the prefix:
 * without it the guard would take the token for an OIDC JWT. Errors never show the value.
 */
const bootstrapToken = z
  .string()
  .trim()
  .min(32, TOKEN_LENGTH)
  .max(512, TOKEN_LENGTH)
  .regex(/^[\x21-\x7e]*$/, 'must be printable ASCII characters without spaces')
  .refine((t) => t.startsWith(TOKEN_PREFIX), `must start with ${TOKEN_PREFIX}`)
  .optional();

const MAX_ACCEPTANCE_DAYS_LIMIT = 3650;
const wholeDays = `must be a whole number of days from 1 to ${MAX_ACCEPTANCE_DAYS_LIMIT}`;

const MAX_SHUTDOWN_DRAIN_SECONDS = 300;
const wholeDrainSeconds = `must be a whole number of seconds from 0 to ${MAX_SHUTDOWN_DRAIN_SECONDS}`;

const optionalUrl = z.preprocess((v) => (v === '' ? undefined : v), z.string().url().optional());

export const configSchema = z.object({
  port: z.coerce.number().int().min(0).max(65535).default(8080),
  host: z.string().default('0.0.0.0'),
  /** The metrics listener (/metrics only), never the API's port: scrapers reach it, clients do not. */
  metricsPort: z.coerce.number().int().min(0).max(65535).default(9090),
  metricsHost: z.string().default('0.0.0.0'),
  /** Where browsers reach this API (the OAuth redirect URI is built from it). */
  publicUrl: z.string().url().default('http://127.0.0.1:8080'),
  databaseUrl: z.string().min(1).default(DEFAULT_DATABASE_URL),
  /** Run pending migrations at start-up (the SQLite default; a deploy job does it for PostgreSQL). */
  migrate: z
    .enum(['true', 'false'])
    .optional()
    .transform((v) => (v === undefined ? undefined : v === 'true')),
  /** With migrate off: the Job that migrates instead (the Helm chart's), named when the schema lags. */
  migrationJob: z.string().optional(),
  /** How long start-up keeps trying while the database is not available (30s, 2m…). */
  databaseStartupWaitMs: databaseStartupWait,
  /** PostgreSQL connections this process opens at most (the chart's database.poolMax). */
  databasePoolMax,
  redisUrl: z.string().min(1).default('redis://127.0.0.1:6379'),
  redisKeyPrefix: z.string().default('xao:'),
  /** Empty: in-cluster service account, else ~/.kube/config when present. */
  kubeconfig: z.string().optional(),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Proxies whose X-Forwarded-For is believed (client IPs feed the audit log and rate limits). */
  trustProxy: trustProxySetting,
  bodyLimitBytes: z.coerce
    .number()
    .int()
    .positive()
    .default(1024 * 1024),
  /** Requests per minute per verified credential (API token, or OIDC identity). */
  rateLimitPerMinute: z.coerce.number().int().positive().default(600),
  /** Requests per minute per client IP (IPv6: per /64), counted before authentication. */
  rateLimitPerIpPerMinute: z.coerce.number().int().positive().default(1200),
  /** The longest a risk may be accepted for; an acceptance without an expiry gets all of it. */
  maxAcceptanceDays: z.coerce
    .number({ error: wholeDays })
    .int({ error: wholeDays })
    .min(1, { error: wholeDays })
    .max(MAX_ACCEPTANCE_DAYS_LIMIT, { error: wholeDays })
    .default(DEFAULT_MAX_ACCEPTANCE_DAYS),
  /**
   * After SIGTERM: seconds readiness answers 503 while requests are still served (Services and
   * ingress controllers take a few seconds to stop sending), before the server closes.
   */
  shutdownDrainSeconds: z.coerce
    .number({ error: wholeDrainSeconds })
    .int({ error: wholeDrainSeconds })
    .min(0, { error: wholeDrainSeconds })
    .max(MAX_SHUTDOWN_DRAIN_SECONDS, { error: wholeDrainSeconds })
    .default(5),
  /**
   * After a consent's code is exchanged: how long its token set is held in memory and written
   * again while the Kubernetes API does not store it (the code is spent; past this, consent again).
   */
  tokenWriteRetryMs: durationSetting.default(600_000),
  /** API tokens created at start-up from env or a mounted Secret (shown once, hashed here). */
  bootstrapAdminToken: bootstrapToken,
  bootstrapScimToken: bootstrapToken,
  oidc: z
    .object({
      jwksUrl: optionalUrl,
      issuer: z.string().optional(),
      audience: z.string().optional(),
      groupsClaim: z.string().min(1).default('groups'),
      /**
       * The claim holding the person's email (separation of duties, the audit log's actor). `email`
       * counts only with `email_verified: true`; any other claim is trusted as administrator-set.
       */
      emailClaim: z.string().min(1).default('email'),
      groupRoles,
    })
    .superRefine((oidc, ctx) => {
      // Without both checks, any token the identity provider signs, for any client, would pass.
      for (const key of ['issuer', 'audience'] as const) {
        if (oidc.jwksUrl && !oidc[key])
          ctx.addIssue({ code: 'custom', path: [key], message: 'required with OIDC_JWKS_URL' });
      }
    }),
  /** Namespaces whose XeroConnections are listed (the reconciler's); empty: every namespace. */
  watchNamespaces: namespaceListSetting,
  /** HMAC key for the OAuth `state`; random per process when absent (then replicas cannot share flows). */
  stateSecret: z.string().min(32).optional(),
  xero: z.object({
    identityUrl: optionalUrl,
    loginUrl: optionalUrl,
    apiUrl: optionalUrl,
    /**
     * XERO_EXTRA_LIMITS, as the reconciler reads it: the caps of an integration in front of Xero,
     * which the code exchange is charged to in the limiter both apps share through Redis.
     */
    extraCaps: extraCapsSetting.optional().default([]),
  }),
});

/** The metrics listener never shares the API's port (port 0 picks a free port for each: tests). */
const appConfigSchema = configSchema.superRefine((config, ctx) => {
  if (config.metricsPort !== 0 && config.metricsPort === config.port)
    ctx.addIssue({
      code: 'custom',
      path: ['metricsPort'],
      message: 'must differ from PORT: metrics are never served on the API port',
    });
});

export type AppConfig = z.output<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;

const blankToUndefined = (v: string | undefined) => (v === undefined || v === '' ? undefined : v);

/** Reads the configuration from the environment; throws naming the variable that is wrong. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const e = (name: string) => blankToUndefined(env[name]);
  const raw = {
    port: e('PORT'),
    host: e('HOST'),
    metricsPort: e('METRICS_PORT'),
    metricsHost: e('METRICS_HOST'),
    publicUrl: e('PUBLIC_URL'),
    databaseUrl: e('DATABASE_URL'),
    migrate: e('DATABASE_MIGRATE'),
    migrationJob: e('DATABASE_MIGRATION_JOB'),
    databaseStartupWaitMs: e('DATABASE_STARTUP_WAIT'),
    databasePoolMax: e('DATABASE_POOL_MAX'),
    redisUrl: e('REDIS_URL') ?? e('XAO_REDIS_URL'),
    redisKeyPrefix: e('REDIS_KEY_PREFIX'),
    kubeconfig: e('KUBECONFIG'),
    logLevel: e('LOG_LEVEL'),
    bodyLimitBytes: e('BODY_LIMIT_BYTES'),
    trustProxy: e('TRUST_PROXY'),
    rateLimitPerMinute: e('RATE_LIMIT_PER_MINUTE'),
    rateLimitPerIpPerMinute: e('RATE_LIMIT_PER_IP_PER_MINUTE'),
    maxAcceptanceDays: e('MAX_ACCEPTANCE_DAYS'),
    shutdownDrainSeconds: e('SHUTDOWN_DRAIN_SECONDS'),
    tokenWriteRetryMs: e('TOKEN_WRITE_RETRY'),
    bootstrapAdminToken: e('BOOTSTRAP_ADMIN_TOKEN'),
    bootstrapScimToken: e('BOOTSTRAP_SCIM_TOKEN'),
    oidc: {
      jwksUrl: e('OIDC_JWKS_URL'),
      issuer: e('OIDC_ISSUER'),
      audience: e('OIDC_AUDIENCE'),
      groupsClaim: e('OIDC_GROUPS_CLAIM'),
      emailClaim: e('OIDC_EMAIL_CLAIM'),
      groupRoles: e('OIDC_GROUP_ROLES'),
    },
    stateSecret: e('OAUTH_STATE_SECRET'),
    watchNamespaces: e('WATCH_NAMESPACES'),
    xero: {
      identityUrl: e('XERO_IDENTITY_URL'),
      loginUrl: e('XERO_LOGIN_URL'),
      apiUrl: e('XERO_API_URL'),
      extraCaps: e('XERO_EXTRA_LIMITS'),
    },
  };
  return parseConfig(raw, ENV_NAMES);
}

const ENV_NAMES: Record<string, string> = {
  port: 'PORT',
  host: 'HOST',
  metricsPort: 'METRICS_PORT',
  metricsHost: 'METRICS_HOST',
  publicUrl: 'PUBLIC_URL',
  databaseUrl: 'DATABASE_URL',
  migrate: 'DATABASE_MIGRATE',
  migrationJob: 'DATABASE_MIGRATION_JOB',
  databaseStartupWaitMs: 'DATABASE_STARTUP_WAIT',
  databasePoolMax: 'DATABASE_POOL_MAX',
  redisUrl: 'REDIS_URL',
  logLevel: 'LOG_LEVEL',
  bodyLimitBytes: 'BODY_LIMIT_BYTES',
  trustProxy: 'TRUST_PROXY',
  rateLimitPerMinute: 'RATE_LIMIT_PER_MINUTE',
  rateLimitPerIpPerMinute: 'RATE_LIMIT_PER_IP_PER_MINUTE',
  maxAcceptanceDays: 'MAX_ACCEPTANCE_DAYS',
  shutdownDrainSeconds: 'SHUTDOWN_DRAIN_SECONDS',
  tokenWriteRetryMs: 'TOKEN_WRITE_RETRY',
  bootstrapAdminToken: 'BOOTSTRAP_ADMIN_TOKEN',
  bootstrapScimToken: 'BOOTSTRAP_SCIM_TOKEN',
  'oidc.jwksUrl': 'OIDC_JWKS_URL',
  'oidc.issuer': 'OIDC_ISSUER',
  'oidc.audience': 'OIDC_AUDIENCE',
  'oidc.groupRoles': 'OIDC_GROUP_ROLES',
  'oidc.groupsClaim': 'OIDC_GROUPS_CLAIM',
  'oidc.emailClaim': 'OIDC_EMAIL_CLAIM',
  watchNamespaces: 'WATCH_NAMESPACES',
  stateSecret: 'OAUTH_STATE_SECRET',
  'xero.identityUrl': 'XERO_IDENTITY_URL',
  'xero.loginUrl': 'XERO_LOGIN_URL',
  'xero.apiUrl': 'XERO_API_URL',
  'xero.extraCaps': 'XERO_EXTRA_LIMITS',
};

/** The variable a problem's path is in (`xero.extraCaps.0.points` → `XERO_EXTRA_LIMITS.0.points`). */
function settingName(path: readonly PropertyKey[], names: Record<string, string>): string {
  const parts = path.map(String);
  for (let n = parts.length; n > 0; n--) {
    const name = names[parts.slice(0, n).join('.')];
    if (name) return [name, ...parts.slice(n)].join('.');
  }
  return parts.join('.');
}

/** Validates a config object (tests build one directly). Never echoes values: some are secrets. */
export function parseConfig(raw: unknown, names: Record<string, string> = {}): AppConfig {
  const parsed = appConfigSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map(
    (issue) => `${settingName(issue.path, names)}: ${issue.message}`,
  );
  throw new Error(`invalid configuration: ${problems.join('; ')}`);
}

import { hostname } from 'node:os';
import {
  databasePoolMax,
  databaseStartupWait,
  DEFAULT_DATABASE_URL,
  durationSetting as durationMs,
  namespaceListSetting,
  webhookTargetProblem,
} from '@xero-access/model';
import { extraCapsSetting } from '@xero-access/xero-client';
import { z } from 'zod';
import { ALERT_PAYLOAD_DETAILS } from '../alerts/finding-alerts.js';
import { parseAllowedHosts } from '../alerts/webhook-host-policy.js';
import { webhookSecretProblem, webhookSecretText } from '../alerts/webhook-secret.js';
import { defaultDrainMs, shutdownTimingsProblem } from '../operator/shutdown-budget.js';
import { REQUESTED_SYNC_GAP_MS } from '../reconcile/requested-sync.js';
import { WRITE_BACK_TIMEOUT_MS, XERO_ACCESS_TOKEN_LIFETIME_MS } from '../token/token-secret.js';

const jsonObject = (what: string) =>
  z.string().transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: `must be JSON (${what})` });
      return z.NEVER;
    }
  });

// Retention limits are days or hours: nothing expires within minutes.
const RETENTION = /^([1-9][0-9]*)(d|h)$/;
const retentionSetting = z
  .string()
  .regex(RETENTION, 'must be a whole number of days or hours, such as 30d or 12h')
  .transform((text) => {
    const [, count, unit] = RETENTION.exec(text)!;
    return Number(count) * (unit === 'd' ? 86_400_000 : 3_600_000);
  });

const limits = z
  .object({
    tenantConcurrent: z.number().int().positive(),
    tenantPerMinute: z.number().int().positive(),
    tenantPerDay: z.number().int().positive(),
    appPerMinute: z.number().int().positive(),
    minuteWindowMs: z.number().int().positive(),
    dayWindowMs: z.number().int().positive(),
  })
  .partial()
  .strict();

const envSchema = z.object({
  KUBECONFIG: z.string().optional(),
  DATABASE_URL: z.string().min(1).default(DEFAULT_DATABASE_URL),
  DATABASE_MIGRATE: z.enum(['true', 'false']).default('true'),
  // With DATABASE_MIGRATE=false: the Job that migrates instead (the Helm chart's), named when the
  // schema lacks this build's migrations.
  DATABASE_MIGRATION_JOB: z.string().min(1).optional(),
  DATABASE_STARTUP_WAIT: databaseStartupWait,
  DATABASE_POOL_MAX: databasePoolMax,
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  REDIS_KEY_PREFIX: z.string().default('xao'),
  XERO_IDENTITY_URL: z.string().url().default('https://identity.xero.com'),
  XERO_LOGIN_URL: z.string().url().default('https://login.xero.com'),
  XERO_API_URL: z.string().url().default('https://api.xero.com'),
  // As the admin API reads it: both apps charge their Xero calls to these caps.
  XERO_EXTRA_LIMITS: extraCapsSetting.optional(),
  XERO_LIMITS: jsonObject('an object of XeroLimits overrides').pipe(limits).optional(),
  POD_NAME: z.string().default(hostname()),
  POD_NAMESPACE: z.string().default('default'),
  LEADER_ELECTION: z.enum(['true', 'false']).default('true'),
  LEADER_ELECTION_NAMESPACE: z.string().optional(),
  LEADER_ELECTION_LEASE_NAME: z.string().default('xero-access-reconciler'),
  // Why a replica that loses the Lease cannot write beside the next leader (leader/lease-elector.ts,
  // operator/operator.ts), with the defaults:
  // - the leader steps down LEASE_RENEW_DEADLINE (10 s) after its last successful renewal started,
  //   even while a renewal is still pending (every attempt is aborted by then);
  // - a standby takes the Lease no sooner than LEASE_DURATION (15 s) after that renewal (on its own
  //   clock, from when it saw the renewal);
  // - stepping down fences in-flight reconciles at once: no status patch, Event, snapshot, finding
  //   or token refresh starts afterwards, and a status patch still in flight is aborted.
  // So the old leader's last write starts before 10 s and the new leader's first after 15 s: the
  // 5 s between (LEASE_DURATION - LEASE_RENEW_DEADLINE, hence the check in loadConfig) lets a write
  // already sent land first. SHUTDOWN_DRAIN plays no part: after a loss the drain only waits for
  // fenced reconciles to return. The one write that always completes is a token write-back after
  // Xero rotated the refresh token (losing it needs a new consent); the Redis refresh lock and the
  // Secret's resourceVersion keep it safe beside the next leader.
  LEASE_DURATION: durationMs.default(15_000),
  LEASE_RENEW_DEADLINE: durationMs.default(10_000),
  LEASE_RETRY_PERIOD: durationMs.default(2_000),
  // Namespace claims between releases (claim/namespace-claims.ts): only the release whose leader
  // holds a namespace's claim Lease reconciles its XeroConnections. The identity is the release's,
  // the same for each of its replicas (a new leader keeps the claims); by default its leader
  // Lease's namespace/name, which the chart names after the release. The holder renews every
  // CLAIM_RENEW_PERIOD; another release takes over a claim not renewed for CLAIM_DURATION. A claim
  // no reconcile needed for 3 × RESYNC_PERIOD (at least 30 min; never with resync off) is released.
  CLAIM_IDENTITY: z.string().optional(),
  CLAIM_DURATION: durationMs.refine((ms) => ms >= 1_000, 'must be at least 1s').default(60_000),
  CLAIM_RENEW_PERIOD: durationMs
    .refine((ms) => ms >= 100, 'must be at least 100ms')
    .default(20_000),
  WATCH_NAMESPACES: namespaceListSetting,
  RESYNC_PERIOD: durationMs.default(10 * 60_000),
  WORKERS: z.coerce.number().int().min(1).max(256).default(4),
  // The pod's terminationGracePeriodSeconds: a graceful stop, Lease release included, fits in it.
  SHUTDOWN_GRACE_PERIOD: durationMs.default(30_000),
  // Default: what the grace period leaves after the stop's reserve (operator/shutdown-budget.ts).
  SHUTDOWN_DRAIN: durationMs.optional(),
  SYNC_JITTER: z.coerce.number().min(0).max(1).default(0.1),
  // One reconcile's time limit: past it, its Xero and Kubernetes calls are abandoned (a hung
  // tenant cannot hold a worker) and the sync fails as SyncTimedOut, retried with backoff.
  SYNC_TIMEOUT: durationMs.refine((ms) => ms >= 1_000, 'must be at least 1s').default(120_000),
  REQUESTED_SYNC_GAP: durationMs.default(REQUESTED_SYNC_GAP_MS),
  TOKEN_REFRESH_AHEAD: durationMs
    .refine(
      (ms) => ms < XERO_ACCESS_TOKEN_LIFETIME_MS,
      `must be less than ${XERO_ACCESS_TOKEN_LIFETIME_MS / 60_000}m, the lifetime of a Xero access token (at that or above, every call would refresh it)`,
    )
    .default(5 * 60_000),
  // The refresh lock (xero-client RefreshCoordinator) is released once the write-back has finished;
  // a slow Xero can outlast it (see the README), the write-back alone must not.
  REFRESH_LOCK_TTL: durationMs
    .refine(
      (ms) => ms >= WRITE_BACK_TIMEOUT_MS,
      `must be at least ${WRITE_BACK_TIMEOUT_MS / 1_000}s, the time a rotated token set's write-back may take under the lock (a shorter lock can expire first and let another replica refresh with the same refresh token)`,
    )
    .default(30_000),
  // The policy input's settings.offboardingGraceHours is an integer: a fraction would fail every evaluation.
  OFFBOARDING_GRACE_HOURS: z.coerce.number().int().min(0).default(24),
  ACCEPTANCE_EXPIRY_INTERVAL: durationMs
    .refine((ms) => ms >= 1_000, 'must be at least 1s')
    .default(60_000),
  // How long rows with personal data are kept (retention/retention-sweep.ts); unset: forever.
  RETENTION_WEBHOOK_DELIVERIES: retentionSetting.default(30 * 86_400_000),
  RETENTION_AUDIT_LOG: retentionSetting.optional(),
  RETENTION_SNAPSHOTS: retentionSetting.optional(),
  RETENTION_INTERVAL: durationMs
    .refine((ms) => ms >= 1_000, 'must be at least 1s')
    .default(3_600_000),
  POLICY_BUNDLE_PATH: z.string().optional(),
  ALERT_WEBHOOK_URL: z.string().url().optional(),
  ALERT_WEBHOOK_SECRET: z
    .string()
    .transform(webhookSecretText)
    .superRefine((secret, ctx) => {
      const problem = secret === undefined ? undefined : webhookSecretProblem(secret);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .optional(),
  // false: namespaces' xero-access-alerts Secrets are not read; only the global webhook alerts.
  ALERT_NAMESPACE_TARGETS: z.enum(['true', 'false']).default('true'),
  // minimal: finding alerts leave out the message and remediation (free text naming people).
  ALERT_PAYLOAD_DETAIL: z.enum(ALERT_PAYLOAD_DETAILS).default('full'),
  // Hosts a namespace's webhook may reach besides public https (names, *.domain, addresses, CIDRs).
  ALERT_WEBHOOK_ALLOWED_HOSTS: z
    .string()
    .default('')
    .transform((text, ctx) => {
      try {
        return parseAllowedHosts(text.split(','));
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    }),
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9090),
  METRICS_HOST: z.string().default('0.0.0.0'),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
});

export type ReconcilerConfig = ReturnType<typeof toConfig>;

function toConfig(env: z.output<typeof envSchema>) {
  const leaseNamespace = env.LEADER_ELECTION_NAMESPACE ?? env.POD_NAMESPACE;
  return {
    kubeconfigPath: env.KUBECONFIG,
    databaseUrl: env.DATABASE_URL,
    migrateDatabase: env.DATABASE_MIGRATE === 'true',
    migrationJob: env.DATABASE_MIGRATION_JOB,
    databaseStartupWaitMs: env.DATABASE_STARTUP_WAIT,
    databasePoolMax: env.DATABASE_POOL_MAX,
    redisUrl: env.REDIS_URL,
    redisKeyPrefix: env.REDIS_KEY_PREFIX,
    xeroEndpoints: {
      identityUrl: env.XERO_IDENTITY_URL,
      loginUrl: env.XERO_LOGIN_URL,
      apiUrl: env.XERO_API_URL,
    },
    xeroLimits: {
      ...(env.XERO_LIMITS ?? {}),
      ...(env.XERO_EXTRA_LIMITS ? { extraCaps: env.XERO_EXTRA_LIMITS } : {}),
    },
    identity: env.POD_NAME,
    leaderElection: {
      enabled: env.LEADER_ELECTION === 'true',
      namespace: leaseNamespace,
      name: env.LEADER_ELECTION_LEASE_NAME,
      leaseDurationMs: env.LEASE_DURATION,
      renewDeadlineMs: env.LEASE_RENEW_DEADLINE,
      retryPeriodMs: env.LEASE_RETRY_PERIOD,
    },
    claims: {
      identity: env.CLAIM_IDENTITY ?? `${leaseNamespace}/${env.LEADER_ELECTION_LEASE_NAME}`,
      durationMs: env.CLAIM_DURATION,
      renewPeriodMs: env.CLAIM_RENEW_PERIOD,
      resyncMs: env.RESYNC_PERIOD,
    },
    watchNamespaces: env.WATCH_NAMESPACES,
    resyncMs: env.RESYNC_PERIOD,
    workers: env.WORKERS,
    shutdownDrainMs: env.SHUTDOWN_DRAIN ?? defaultDrainMs(env.SHUTDOWN_GRACE_PERIOD),
    shutdownGracePeriodMs: env.SHUTDOWN_GRACE_PERIOD,
    syncJitter: env.SYNC_JITTER,
    syncTimeoutMs: env.SYNC_TIMEOUT,
    requestedSyncGapMs: env.REQUESTED_SYNC_GAP,
    tokenRefreshAheadMs: env.TOKEN_REFRESH_AHEAD,
    refreshLockTtlMs: env.REFRESH_LOCK_TTL,
    offboardingGraceHours: env.OFFBOARDING_GRACE_HOURS,
    /** How often the leader reopens findings whose accepted risk has lapsed. */
    acceptanceExpiryIntervalMs: env.ACCEPTANCE_EXPIRY_INTERVAL,
    /** How long each kind of row is kept (ms), undefined: forever; swept every `intervalMs`. */
    retention: {
      intervalMs: env.RETENTION_INTERVAL,
      webhookDeliveriesMs: env.RETENTION_WEBHOOK_DELIVERIES,
      auditLogMs: env.RETENTION_AUDIT_LOG,
      snapshotsMs: env.RETENTION_SNAPSHOTS,
    },
    policyBundlePath: env.POLICY_BUNDLE_PATH,
    webhook: env.ALERT_WEBHOOK_URL
      ? { url: env.ALERT_WEBHOOK_URL, secret: env.ALERT_WEBHOOK_SECRET }
      : undefined,
    alerts: {
      namespaceTargets: env.ALERT_NAMESPACE_TARGETS === 'true',
      allowedHosts: env.ALERT_WEBHOOK_ALLOWED_HOSTS,
      payloadDetail: env.ALERT_PAYLOAD_DETAIL,
    },
    metrics: { port: env.METRICS_PORT, host: env.METRICS_HOST },
    logLevel: env.LOG_LEVEL,
  };
}

/**
 * Reads the configuration from the environment; the error names every bad variable. A blank
 * variable counts as unset (as in the admin API): a chart value left empty renders one.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ReconcilerConfig {
  const parsed = envSchema.safeParse(
    Object.fromEntries(Object.entries(env).filter(([, value]) => value !== '')),
  );
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid reconciler configuration: ${problems}`);
  }
  if (parsed.data.ALERT_WEBHOOK_URL && !parsed.data.ALERT_WEBHOOK_SECRET) {
    throw new Error(
      'invalid reconciler configuration: ALERT_WEBHOOK_SECRET: required when ALERT_WEBHOOK_URL is set (deliveries are signed)',
    );
  }
  const leaseProblem = leaderElectionProblem(parsed.data);
  if (leaseProblem) throw new Error(`invalid reconciler configuration: ${leaseProblem}`);
  const config = toConfig(parsed.data);
  const shutdownProblem = shutdownTimingsProblem({
    drainMs: config.shutdownDrainMs,
    gracePeriodMs: config.shutdownGracePeriodMs,
  });
  if (shutdownProblem) throw new Error(`invalid reconciler configuration: ${shutdownProblem}`);
  const urlProblem =
    parsed.data.ALERT_WEBHOOK_URL && webhookTargetProblem(parsed.data.ALERT_WEBHOOK_URL);
  if (urlProblem)
    throw new Error(`invalid reconciler configuration: ALERT_WEBHOOK_URL: ${urlProblem}`);
  return config;
}

/** The ordering the step-down arithmetic above the LEASE_ (and CLAIM_) variables needs. */
function leaderElectionProblem(env: z.output<typeof envSchema>): string | undefined {
  if (env.LEASE_RENEW_DEADLINE >= env.LEASE_DURATION)
    return `LEASE_RENEW_DEADLINE: must be shorter than LEASE_DURATION (${env.LEASE_DURATION} ms), so a leader that cannot renew stops writing before a standby takes over`;
  if (env.LEASE_RETRY_PERIOD >= env.LEASE_RENEW_DEADLINE)
    return `LEASE_RETRY_PERIOD: must be shorter than LEASE_RENEW_DEADLINE (${env.LEASE_RENEW_DEADLINE} ms), so a leader tries to renew more than once`;
  if (2 * env.CLAIM_RENEW_PERIOD >= env.CLAIM_DURATION)
    return `CLAIM_RENEW_PERIOD: must be shorter than half of CLAIM_DURATION (${env.CLAIM_DURATION} ms), so a claim is renewed more than once before this release stops counting on it`;
  return undefined;
}

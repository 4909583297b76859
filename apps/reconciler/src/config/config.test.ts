import { describe, expect, it } from 'vitest';
import { namespaceUrlProblem } from '../alerts/webhook-host-policy.js';
import { loadConfig } from './config.js';

describe('loadConfig', () => {
  it("defaults to an SQLite file (the admin API's default too), local Redis, Xero itself and leader election on", () => {
    const config = loadConfig({ POD_NAME: 'rec-0' });
    expect(config.databaseUrl).toBe('sqlite:///var/lib/xero-access/xao.db');
    expect(config.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(config.xeroEndpoints.apiUrl).toBe('https://api.xero.com');
    expect(config.leaderElection).toMatchObject({
      enabled: true,
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
    });
    expect(config.identity).toBe('rec-0');
    expect(config.webhook).toBeUndefined();
    expect(config.databaseStartupWaitMs).toBe(120_000);
    expect(config.acceptanceExpiryIntervalMs).toBe(60_000);
    expect(config.syncTimeoutMs).toBe(120_000);
  });

  it('reads durations, namespaces and compressed limits', () => {
    const config = loadConfig({
      LEASE_DURATION: '3s',
      LEASE_RENEW_DEADLINE: '2s',
      LEASE_RETRY_PERIOD: '500ms',
      DATABASE_STARTUP_WAIT: '30s',
      SYNC_TIMEOUT: '45s',
      WATCH_NAMESPACES: 'finance, payments',
      XERO_LIMITS: '{"tenantPerMinute": 6, "minuteWindowMs": 6000}',
    });
    expect(config.leaderElection).toMatchObject({
      leaseDurationMs: 3_000,
      renewDeadlineMs: 2_000,
      retryPeriodMs: 500,
    });
    expect(config.databaseStartupWaitMs).toBe(30_000);
    expect(config.syncTimeoutMs).toBe(45_000);
    expect(config.watchNamespaces).toEqual(['finance', 'payments']);
    expect(config.xeroLimits).toEqual({ tenantPerMinute: 6, minuteWindowMs: 6_000 });
  });

  it('migrates at start unless told not to, then names the Job that migrates instead', () => {
    expect(loadConfig({})).toMatchObject({ migrateDatabase: true, migrationJob: undefined });
    expect(
      loadConfig({ DATABASE_MIGRATE: 'false', DATABASE_MIGRATION_JOB: 'xao-xero-access-migrate' }),
    ).toMatchObject({ migrateDatabase: false, migrationJob: 'xao-xero-access-migrate' });
  });

  it('opens at most 10 PostgreSQL connections unless DATABASE_POOL_MAX says otherwise', () => {
    expect(loadConfig({}).databasePoolMax).toBe(10);
    expect(loadConfig({ DATABASE_POOL_MAX: '4' }).databasePoolMax).toBe(4);
    for (const bad of ['0', '101', '2.5', 'ten'])
      expect(() => loadConfig({ DATABASE_POOL_MAX: bad })).toThrow(
        /DATABASE_POOL_MAX: must be a whole number of connections from 1 to 100/,
      );
  });

  it('names the variable that is wrong', () => {
    expect(() => loadConfig({ WORKERS: 'many' })).toThrow(/WORKERS/);
    expect(() => loadConfig({ LEASE_DURATION: '15' })).toThrow(
      /LEASE_DURATION: must be a duration/,
    );
    expect(() => loadConfig({ XERO_LIMITS: '{"tenantPerMinute": "x"}' })).toThrow(/XERO_LIMITS/);
    expect(() =>
      loadConfig({
        XERO_EXTRA_LIMITS:
          '[{"id":"p","points":5,"windowMs":1000},{"id":"p","points":50,"windowMs":60000}]',
      }),
    ).toThrow(/XERO_EXTRA_LIMITS: each id must be unique/);
    expect(() => loadConfig({ ACCEPTANCE_EXPIRY_INTERVAL: '0s' })).toThrow(
      /ACCEPTANCE_EXPIRY_INTERVAL: must be at least 1s/,
    );
    expect(() => loadConfig({ SYNC_TIMEOUT: '500ms' })).toThrow(
      /SYNC_TIMEOUT: must be at least 1s/,
    );
    // The policy input schema takes whole hours only.
    expect(() => loadConfig({ OFFBOARDING_GRACE_HOURS: '1.5' })).toThrow(/OFFBOARDING_GRACE_HOURS/);
    // No namespace is named so: the connections there would never be seen.
    expect(() => loadConfig({ WATCH_NAMESPACES: 'ops, Finance' })).toThrow(
      /WATCH_NAMESPACES: "Finance" is not a namespace name/,
    );
  });

  it('keeps webhook deliveries 30 days, the audit log and snapshots forever unless RETENTION_* say otherwise', () => {
    expect(loadConfig({}).retention).toEqual({
      intervalMs: 3_600_000,
      webhookDeliveriesMs: 30 * 86_400_000,
      auditLogMs: undefined,
      snapshotsMs: undefined,
    });
    expect(
      loadConfig({
        RETENTION_WEBHOOK_DELIVERIES: '12h',
        RETENTION_AUDIT_LOG: '2555d',
        RETENTION_SNAPSHOTS: '400d',
        RETENTION_INTERVAL: '30m',
      }).retention,
    ).toEqual({
      intervalMs: 1_800_000,
      webhookDeliveriesMs: 43_200_000,
      auditLogMs: 2555 * 86_400_000,
      snapshotsMs: 400 * 86_400_000,
    });
    const bad: [string, string][] = [
      ['RETENTION_WEBHOOK_DELIVERIES', '30'],
      ['RETENTION_AUDIT_LOG', '0d'],
      ['RETENTION_AUDIT_LOG', '1y'],
      ['RETENTION_AUDIT_LOG', '90m'],
      ['RETENTION_SNAPSHOTS', '1.5d'],
    ];
    for (const [name, value] of bad)
      expect(() => loadConfig({ [name]: value })).toThrow(
        `invalid reconciler configuration: ${name}: must be a whole number of days or hours, such as 30d or 12h`,
      );
  });

  it('refreshes access tokens 5 minutes ahead under a 30 s lock unless told otherwise', () => {
    expect(loadConfig({})).toMatchObject({
      tokenRefreshAheadMs: 300_000,
      refreshLockTtlMs: 30_000,
    });
    expect(loadConfig({ TOKEN_REFRESH_AHEAD: '29m', REFRESH_LOCK_TTL: '20s' })).toMatchObject({
      tokenRefreshAheadMs: 29 * 60_000,
      refreshLockTtlMs: 20_000,
    });
  });

  it('refuses a refresh ahead that would refresh a Xero access token (30 minutes) at every call', () => {
    for (const value of ['30m', '40m', '1h'])
      expect(() => loadConfig({ TOKEN_REFRESH_AHEAD: value })).toThrow(
        'invalid reconciler configuration: TOKEN_REFRESH_AHEAD: must be less than 30m, the lifetime of a Xero access token (at that or above, every call would refresh it)',
      );
  });

  it('refuses a refresh lock that could expire before the rotated token set is written back (20 s)', () => {
    for (const value of ['1s', '19s', '500ms'])
      expect(() => loadConfig({ REFRESH_LOCK_TTL: value })).toThrow(
        "invalid reconciler configuration: REFRESH_LOCK_TTL: must be at least 20s, the time a rotated token set's write-back may take under the lock (a shorter lock can expire first and let another replica refresh with the same refresh token)",
      );
  });

  it('refuses leader election timings that would let a deposed leader write beside the next', () => {
    expect(() => loadConfig({ LEASE_DURATION: '10s' })).toThrow(
      /LEASE_RENEW_DEADLINE: must be shorter than LEASE_DURATION \(10000 ms\)/,
    );
    expect(() => loadConfig({ LEASE_RENEW_DEADLINE: '2s' })).toThrow(
      /LEASE_RETRY_PERIOD: must be shorter than LEASE_RENEW_DEADLINE \(2000 ms\)/,
    );
    expect(loadConfig({ LEASE_DURATION: '11s' }).leaderElection.renewDeadlineMs).toBe(10_000);
  });

  it('claims namespaces as the release, named after its leader Lease (as the chart sets it), not the pod', () => {
    const chart = {
      POD_NAME: 'xao-xero-access-reconciler-7d9f-abcde',
      POD_NAMESPACE: 'xao-system',
      LEADER_ELECTION_LEASE_NAME: 'xao-xero-access-reconciler',
    };
    expect(loadConfig(chart).claims).toEqual({
      identity: 'xao-system/xao-xero-access-reconciler',
      durationMs: 60_000,
      renewPeriodMs: 20_000,
      resyncMs: 600_000,
    });
    // How long an unneeded claim is kept follows the resync (claim/namespace-claims.ts).
    expect(loadConfig({ RESYNC_PERIOD: '0s' }).claims.resyncMs).toBe(0);
    expect(loadConfig({ RESYNC_PERIOD: '1h' }).claims.resyncMs).toBe(3_600_000);
    expect(loadConfig({ ...chart, CLAIM_IDENTITY: 'finance-operator' }).claims.identity).toBe(
      'finance-operator',
    );
    expect(loadConfig({ CLAIM_DURATION: '6s', CLAIM_RENEW_PERIOD: '2s' }).claims).toMatchObject({
      durationMs: 6_000,
      renewPeriodMs: 2_000,
    });
    expect(() => loadConfig({ CLAIM_DURATION: '40s' })).toThrow(
      /CLAIM_RENEW_PERIOD: must be shorter than half of CLAIM_DURATION \(40000 ms\)/,
    );
  });

  it("fits a graceful stop in the pod's grace period, the drain getting all but 13 s of it", () => {
    expect(loadConfig({})).toMatchObject({
      shutdownGracePeriodMs: 30_000,
      shutdownDrainMs: 17_000,
    });
    expect(loadConfig({ SHUTDOWN_GRACE_PERIOD: '75s' }).shutdownDrainMs).toBe(62_000);
    expect(loadConfig({ SHUTDOWN_DRAIN: '5s' }).shutdownDrainMs).toBe(5_000);
    expect(() => loadConfig({ SHUTDOWN_DRAIN: '25s' })).toThrow(
      /SHUTDOWN_DRAIN: 25000 ms plus the 13000 ms a stop needs after the drain .* must fit in SHUTDOWN_GRACE_PERIOD \(30000 ms, the pod's terminationGracePeriodSeconds\)/,
    );
    expect(() => loadConfig({ SHUTDOWN_GRACE_PERIOD: '10s' })).toThrow(
      /SHUTDOWN_GRACE_PERIOD: must be longer than the 13000 ms a stop needs after the drain/,
    );
  });

  it('takes a blank variable (an empty chart value) as unset', () => {
    const config = loadConfig({ XERO_API_URL: '', ALERT_WEBHOOK_URL: '', POLICY_BUNDLE_PATH: '' });
    expect(config.xeroEndpoints.apiUrl).toBe('https://api.xero.com');
    expect(config.webhook).toBeUndefined();
    expect(config.policyBundlePath).toBeUndefined();
  });

  it('refuses an unsigned webhook without echoing any secret', () => {
    expect(() => loadConfig({ ALERT_WEBHOOK_URL: 'https://hooks.example/x' })).toThrow(
      /ALERT_WEBHOOK_SECRET/,
    );
    const withPassword = () =>
      loadConfig({
        ALERT_WEBHOOK_URL: 'https://team:hunter2@hooks.example/x',
        ALERT_WEBHOOK_SECRET: 'global-signing-secret-0123456789abcdef',
      });
    expect(withPassword).toThrow(
      /^invalid reconciler configuration: ALERT_WEBHOOK_URL: must not contain credentials/,
    );
    expect(withPassword).not.toThrow(/hunter2/);
  });

  it('refuses a webhook signing secret shorter than 32 bytes, naming the variable and not the value', () => {
    const shortSecret = () =>
      loadConfig({
        ALERT_WEBHOOK_URL: 'https://hooks.example/x',
        ALERT_WEBHOOK_SECRET: 'hunter2-but-31-bytes-long-xxxxx',
      });
    expect(shortSecret).toThrow(
      'invalid reconciler configuration: ALERT_WEBHOOK_SECRET: must be at least 32 bytes (e.g. openssl rand -hex 32)',
    );
    expect(shortSecret).not.toThrow(/hunter2/);
    expect(
      loadConfig({
        ALERT_WEBHOOK_URL: 'https://hooks.example/x',
        ALERT_WEBHOOK_SECRET: 'hunter2-and-now-32-bytes-long-xx',
      }).webhook,
    ).toEqual({ url: 'https://hooks.example/x', secret: 'hunter2-and-now-32-bytes-long-xx' });
  });

  // As a namespace's xero-access-alerts secret: a file's final newline (kubectl create secret
  // --from-file, a mounted file) is neither signed with nor counted towards the 32 bytes.
  it('trims the whitespace around ALERT_WEBHOOK_SECRET before checking and signing with it', () => {
    const withSecret = (secret: string) =>
      loadConfig({ ALERT_WEBHOOK_URL: 'https://hooks.example/x', ALERT_WEBHOOK_SECRET: secret });
    expect(withSecret('hunter2-and-now-32-bytes-long-xx\n').webhook).toEqual({
      url: 'https://hooks.example/x',
      secret: 'hunter2-and-now-32-bytes-long-xx',
    });
    expect(() => withSecret('hunter2-but-31-bytes-long-xxxxx\n')).toThrow(
      'invalid reconciler configuration: ALERT_WEBHOOK_SECRET: must be at least 32 bytes',
    );
    expect(() => withSecret(' \n')).toThrow(
      'invalid reconciler configuration: ALERT_WEBHOOK_SECRET: required when ALERT_WEBHOOK_URL is set',
    );
  });

  it('sends the whole finding in alerts unless ALERT_PAYLOAD_DETAIL is minimal', () => {
    expect(loadConfig({}).alerts.payloadDetail).toBe('full');
    expect(loadConfig({ ALERT_PAYLOAD_DETAIL: 'minimal' }).alerts.payloadDetail).toBe('minimal');
    expect(() => loadConfig({ ALERT_PAYLOAD_DETAIL: 'none' })).toThrow(/ALERT_PAYLOAD_DETAIL/);
  });

  it('reads namespace alert targets unless ALERT_NAMESPACE_TARGETS=false, and the hosts they may reach besides public https', () => {
    expect(loadConfig({}).alerts.namespaceTargets).toBe(true);
    expect(loadConfig({ ALERT_NAMESPACE_TARGETS: 'false' }).alerts.namespaceTargets).toBe(false);
    const { allowedHosts } = loadConfig({
      ALERT_WEBHOOK_ALLOWED_HOSTS: 'hooks.internal, *.corp.example,10.1.0.0/16,::1',
    }).alerts;
    for (const url of [
      'http://hooks.internal/x',
      'http://a.b.corp.example/x',
      'http://10.1.2.3:8080/x',
      'http://[::1]/x',
    ])
      expect(namespaceUrlProblem(url, allowedHosts)).toBeUndefined();
    expect(namespaceUrlProblem('https://10.2.0.1/x', allowedHosts)).toMatch(/private address/);
    expect(namespaceUrlProblem('https://corp.example/x', allowedHosts)).toBeUndefined();
    expect(namespaceUrlProblem('http://corp.example/x', allowedHosts)).toMatch(/https/);
    expect(() => loadConfig({ ALERT_WEBHOOK_ALLOWED_HOSTS: 'hooks.internal,10.0.0.0/33' })).toThrow(
      /ALERT_WEBHOOK_ALLOWED_HOSTS: "10\.0\.0\.0\/33" is not an address or CIDR range/,
    );
    expect(() => loadConfig({ ALERT_WEBHOOK_ALLOWED_HOSTS: 'https://hooks.internal' })).toThrow(
      /ALERT_WEBHOOK_ALLOWED_HOSTS: "https:\/\/hooks\.internal" is not a host name/,
    );
  });
});

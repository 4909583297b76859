import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

describe('loadConfig', () => {
  it('defaults to the embedded SQLite database and local Redis', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      databaseUrl: 'sqlite:///var/lib/xero-access/xao.db',
      redisUrl: 'redis://127.0.0.1:6379',
      port: 8080,
      bodyLimitBytes: 1048576,
      databaseStartupWaitMs: 120_000,
    });
    expect(config.oidc.jwksUrl).toBeUndefined();
    expect(config.oidc.emailClaim).toBe('email');
  });

  it('migrates only when told (the SQLite default decides otherwise), naming the Job that migrates instead', () => {
    expect(loadConfig({})).toMatchObject({ migrate: undefined, migrationJob: undefined });
    expect(
      loadConfig({ DATABASE_MIGRATE: 'false', DATABASE_MIGRATION_JOB: 'xao-xero-access-migrate' }),
    ).toMatchObject({ migrate: false, migrationJob: 'xao-xero-access-migrate' });
  });

  it('reads the environment, including the OIDC group mapping', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://u:p@db/xao',
      PORT: '9000',
      OIDC_JWKS_URL: 'https://idp.example/jwks',
      OIDC_ISSUER: 'https://idp.example',
      OIDC_AUDIENCE: 'xao-admin',
      OIDC_GROUP_ROLES: 'sec=admin, audit=viewer',
      OIDC_EMAIL_CLAIM: 'upn',
      DATABASE_STARTUP_WAIT: '30s',
      WATCH_NAMESPACES: 'finance, payroll',
    });
    expect(config).toMatchObject({
      databaseUrl: 'postgres://u:p@db/xao',
      databaseStartupWaitMs: 30_000,
      port: 9000,
      oidc: {
        jwksUrl: 'https://idp.example/jwks',
        groupRoles: { sec: 'admin', audit: 'viewer' },
        emailClaim: 'upn',
      },
      watchNamespaces: ['finance', 'payroll'],
    });
  });

  it('serves metrics on METRICS_PORT (9090) and METRICS_HOST, never on the API port', () => {
    expect(loadConfig({})).toMatchObject({ metricsPort: 9090, metricsHost: '0.0.0.0' });
    expect(loadConfig({ METRICS_PORT: '9100', METRICS_HOST: '127.0.0.1' })).toMatchObject({
      metricsPort: 9100,
      metricsHost: '127.0.0.1',
    });
    expect(() => loadConfig({ PORT: '9000', METRICS_PORT: '9000' })).toThrow(
      'invalid configuration: METRICS_PORT: must differ from PORT: metrics are never served on the API port',
    );
    expect(() => loadConfig({ METRICS_PORT: '8080' })).toThrow(
      'METRICS_PORT: must differ from PORT',
    );
    expect(() => loadConfig({ METRICS_PORT: 'none' })).toThrow('METRICS_PORT');
  });

  it('reads the maximum acceptance period, 365 days unless MAX_ACCEPTANCE_DAYS says otherwise', () => {
    expect(loadConfig({}).maxAcceptanceDays).toBe(365);
    expect(loadConfig({ MAX_ACCEPTANCE_DAYS: '90' }).maxAcceptanceDays).toBe(90);
    for (const bad of ['0', '-5', '1.5', 'a year', '3651'])
      expect(() => loadConfig({ MAX_ACCEPTANCE_DAYS: bad })).toThrow(
        'invalid configuration: MAX_ACCEPTANCE_DAYS: must be a whole number of days from 1 to 3650',
      );
  });

  it('drains 5 s after SIGTERM unless SHUTDOWN_DRAIN_SECONDS says otherwise', () => {
    expect(loadConfig({}).shutdownDrainSeconds).toBe(5);
    expect(loadConfig({ SHUTDOWN_DRAIN_SECONDS: '0' }).shutdownDrainSeconds).toBe(0);
    expect(loadConfig({ SHUTDOWN_DRAIN_SECONDS: '15' }).shutdownDrainSeconds).toBe(15);
    for (const bad of ['-1', '2.5', '5s', '301'])
      expect(() => loadConfig({ SHUTDOWN_DRAIN_SECONDS: bad })).toThrow(
        'invalid configuration: SHUTDOWN_DRAIN_SECONDS: must be a whole number of seconds from 0 to 300',
      );
  });

  it('opens at most 10 PostgreSQL connections unless DATABASE_POOL_MAX says otherwise', () => {
    expect(loadConfig({}).databasePoolMax).toBe(10);
    expect(loadConfig({ DATABASE_POOL_MAX: '4' }).databasePoolMax).toBe(4);
    for (const bad of ['0', '101', '2.5', 'ten'])
      expect(() => loadConfig({ DATABASE_POOL_MAX: bad })).toThrow(
        'invalid configuration: DATABASE_POOL_MAX: must be a whole number of connections from 1 to 100',
      );
  });

  it('holds a consent whose token set Kubernetes does not store for 10 minutes unless TOKEN_WRITE_RETRY says otherwise', () => {
    expect(loadConfig({}).tokenWriteRetryMs).toBe(600_000);
    expect(loadConfig({ TOKEN_WRITE_RETRY: '30m' }).tokenWriteRetryMs).toBe(1_800_000);
    expect(() => loadConfig({ TOKEN_WRITE_RETRY: '600' })).toThrow(
      'invalid configuration: TOKEN_WRITE_RETRY: must be a duration such as 500ms, 30s, 5m or 1h',
    );
  });

  it('reads XERO_EXTRA_LIMITS as the reconciler does: the caps the code exchange is charged to', () => {
    expect(loadConfig({}).xero.extraCaps).toEqual([]);
    expect(
      loadConfig({
        XERO_EXTRA_LIMITS:
          '[{"id":"provider","points":50,"windowMs":10000},{"id":"all","points":200,"windowMs":10000}]',
      }).xero.extraCaps,
    ).toEqual([
      { id: 'provider', points: 50, windowMs: 10_000 },
      { id: 'all', points: 200, windowMs: 10_000 },
    ]);
    expect(() => loadConfig({ XERO_EXTRA_LIMITS: '50 per 10s' })).toThrow(
      /XERO_EXTRA_LIMITS: must be JSON \(a list of \{id, points, windowMs\}\)/,
    );
    expect(() =>
      loadConfig({
        XERO_EXTRA_LIMITS:
          '[{"id":"p","points":5,"windowMs":1000},{"id":"p","points":50,"windowMs":60000}]',
      }),
    ).toThrow(/XERO_EXTRA_LIMITS: each id must be unique/);
    expect(() =>
      loadConfig({ XERO_EXTRA_LIMITS: '[{"id":"p","points":0,"windowMs":1000}]' }),
    ).toThrow(/XERO_EXTRA_LIMITS\.0\.points: /);
  });

  it('refuses OIDC without an issuer and an audience to check (any token the IdP signs would pass)', () => {
    expect(() =>
      loadConfig({ OIDC_JWKS_URL: 'https://idp.example/jwks', OIDC_AUDIENCE: 'xao-admin' }),
    ).toThrow(/OIDC_ISSUER: required with OIDC_JWKS_URL/);
    expect(() =>
      loadConfig({ OIDC_JWKS_URL: 'https://idp.example/jwks', OIDC_ISSUER: 'https://idp.example' }),
    ).toThrow(/OIDC_AUDIENCE: required with OIDC_JWKS_URL/);
  });

  it('names the variable that is wrong and never echoes secret values', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT: /);
    expect(() => loadConfig({ DATABASE_STARTUP_WAIT: '120' })).toThrow(
      /DATABASE_STARTUP_WAIT: must be a duration such as 500ms, 30s, 5m or 1h/,
    );
    expect(() => loadConfig({ OIDC_GROUP_ROLES: 'sec=root' })).toThrow(
      /OIDC_GROUP_ROLES: expected group=viewer\|reviewer\|admin/,
    );
    // No namespace is named so: the connections there would never be seen.
    expect(() => loadConfig({ WATCH_NAMESPACES: 'ops, Finance' })).toThrow(
      /WATCH_NAMESPACES: "Finance" is not a namespace name/,
    );
    let message = '';
    try {
      loadConfig({ BOOTSTRAP_ADMIN_TOKEN: 'short-secret' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/BOOTSTRAP_ADMIN_TOKEN/);
    expect(message).not.toContain('short-secret');
    const unprefixed = 'a'.repeat(40);
    expect(() => loadConfig({ BOOTSTRAP_SCIM_TOKEN: unprefixed })).toThrow(
      /BOOTSTRAP_SCIM_TOKEN: must start with xao_/,
    );
  });

  it('drops the whitespace around a bootstrap token (a Secret made from a file ends in a newline)', () => {
    const token = `xao_${'k'.repeat(40)}`;
    const config = loadConfig({
      BOOTSTRAP_ADMIN_TOKEN: `${token}\n`,
      BOOTSTRAP_SCIM_TOKEN: `  ${token}\r\n`,
    });
    expect(config.bootstrapAdminToken).toBe(token);
    expect(config.bootstrapScimToken).toBe(token);
  });

  it.each([
    ['longer than the directory stores', `xao_${'k'.repeat(600)}`, 'must be 32 to 512 characters'],
    [
      'holding a space',
      `xao_${'k'.repeat(20)} ${'k'.repeat(20)}`,
      'must be printable ASCII characters without spaces',
    ],
    [
      'holding a character past ASCII',
      `xao_${'k'.repeat(40)}é`,
      'must be printable ASCII characters without spaces',
    ],
  ])('refuses a bootstrap token %s, naming the variable and not the value', (_, token, problem) => {
    let message = '';
    try {
      loadConfig({ BOOTSTRAP_ADMIN_TOKEN: token });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toBe(`invalid configuration: BOOTSTRAP_ADMIN_TOKEN: ${problem}`);
  });

  it('trusts no proxy unless TRUST_PROXY names it, and refuses an entry that is not an address or range', () => {
    expect(loadConfig({}).trustProxy).toEqual([]);
    expect(
      loadConfig({ TRUST_PROXY: '10.244.0.0/16, 192.0.2.10,fd00::/8,loopback,10.0.0.0/255.0.0.0' })
        .trustProxy,
    ).toEqual(['10.244.0.0/16', '192.0.2.10', 'fd00::/8', 'loopback', '10.0.0.0/255.0.0.0']);
    for (const bad of ['true', '2', '10.0.0.0/33', 'ingress-nginx', '10.0.0/8', 'fd00::/129'])
      expect(() => loadConfig({ TRUST_PROXY: `10.0.0.0/8,${bad}` }), bad).toThrow(
        `invalid configuration: TRUST_PROXY: expected IP addresses, CIDR ranges (10.0.0.0/8) or loopback, linklocal, uniquelocal; got "${bad}"`,
      );
  });

  it('limits 600 requests a minute per credential and 1200 per client IP unless told otherwise', () => {
    expect(loadConfig({})).toMatchObject({
      rateLimitPerMinute: 600,
      rateLimitPerIpPerMinute: 1200,
    });
    expect(
      loadConfig({ RATE_LIMIT_PER_MINUTE: '60', RATE_LIMIT_PER_IP_PER_MINUTE: '5000' }),
    ).toMatchObject({ rateLimitPerMinute: 60, rateLimitPerIpPerMinute: 5000 });
    expect(() => loadConfig({ RATE_LIMIT_PER_IP_PER_MINUTE: '0' })).toThrow(
      /RATE_LIMIT_PER_IP_PER_MINUTE: /,
    );
  });
});

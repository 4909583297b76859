import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findTool } from '@xero-access/local-cluster';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import {
  chartDir,
  deploymentEnvs,
  helm,
  kinds,
  kubectl,
  KUBE_VERSION,
  render,
  REQUIRED,
  template,
  templateRelease,
} from './helm.js';
import { writeKubeconformSchemas } from './kubeconform-schemas.js';

const kubeconfig = inject('kubeconfig');

describe('helm lint and values schema', () => {
  it('lints clean in strict mode', () => {
    const out = helm([
      'lint',
      '--strict',
      chartDir,
      '--kube-version',
      KUBE_VERSION,
      '--set',
      REQUIRED.join(','),
    ]);
    expect(out.stdout + out.stderr).toContain('0 chart(s) failed');
    expect(out.code).toBe(0);
  });

  it.each([
    ['reconciler.replicas=-1', '/reconciler/replicas'],
    ['watchNamespaces={Not_A_Namespace}', '/watchNamespaces/0'],
    ['adminApi.oidc.groupRoles.auditors=superuser', '/adminApi/oidc/groupRoles/auditors'],
    ['redis.url=redis://user:password@host:6379', '/redis/url'],
    ['unknownTopLevel=1', 'unknownTopLevel'],
    // OIDC with nothing to check the token's issuer and audience against would accept any client's.
    [
      'adminApi.oidc.enabled=true,adminApi.oidc.jwksUrl=https://idp.example/jwks',
      '/adminApi/oidc/issuer',
    ],
    // OIDC_GROUP_ROLES is `group=role,…`: a group name with a comma or `=` cannot travel in it.
    ['adminApi.oidc.groupRoles.sec\\,team=admin', "'sec,team'"],
    ['database.urlKey=', '/database/urlKey'],
    // DATABASE_POOL_MAX: the apps refuse anything but 1 to 100.
    ['database.poolMax=0', '/database/poolMax'],
    ['database.poolMax=101', '/database/poolMax'],
    // Less than a minute would fail a migration that only waits for its database to start.
    ['database.migrations.activeDeadlineSeconds=59', '/database/migrations/activeDeadlineSeconds'],
    [
      'database.migrations.activeDeadlineSeconds=90.5',
      '/database/migrations/activeDeadlineSeconds',
    ],
    // The key becomes a file name in the volume's items: no folders.
    ['database.tls.ca.key=certs/ca.crt', '/database/tls/ca/key'],
    ['database.tls.ca.existingSecret=Private_CA', '/database/tls/ca/existingSecret'],
    ['database.tls.ca.secretName=private-ca', 'secretName'],
    ['adminApi.maxAcceptanceDays=0', '/adminApi/maxAcceptanceDays'],
    ['adminApi.oidc.groupsClaim=', '/adminApi/oidc/groupsClaim'],
    ['adminApi.oidc.emailClaim=', '/adminApi/oidc/emailClaim'],
    ['policyBundle.key=out/bundle.tar.gz', '/policyBundle/key'],
    ['adminApi.trustProxy={ingress-nginx}', '/adminApi/trustProxy/0'],
    ['adminApi.rateLimit.perClientIp=0', '/adminApi/rateLimit/perClientIp'],
    ['adminApi.shutdownDrainSeconds=-1', '/adminApi/shutdownDrainSeconds'],
    // The reconciler keeps 13 s of it to stop work, release the Lease, end a sweep's batch and close.
    ['reconciler.terminationGracePeriodSeconds=13', '/reconciler/terminationGracePeriodSeconds'],
    // SHUTDOWN_GRACE_PERIOD: longer than a Node.js timer keeps, the reconciler refuses to start.
    [
      'reconciler.terminationGracePeriodSeconds=2147484',
      '/reconciler/terminationGracePeriodSeconds',
    ],
    ['reconciler.syncTimeoutSeconds=0', '/reconciler/syncTimeoutSeconds'],
    // REDIS_KEY_PREFIX: the apps put `:` after it; a glob character would widen a SCAN pattern.
    ['redis.keyPrefix=team:a', '/redis/keyPrefix'],
    ['redis.keyPrefix=team*', '/redis/keyPrefix'],
    ['redis.keyPrefix=-team', '/redis/keyPrefix'],
    // Longer than a Node.js timer keeps: the deadline would fire after 1 ms and fail every sync.
    ['reconciler.syncTimeoutSeconds=2147484', '/reconciler/syncTimeoutSeconds'],
    // The reconciler takes whole days or hours only; deliveries always have a limit.
    ['retention.webhookDeliveries=30', '/retention/webhookDeliveries'],
    ['retention.webhookDeliveries=', '/retention/webhookDeliveries'],
    ['retention.auditLog=1y', '/retention/auditLog'],
    ['retention.auditLog=0d', '/retention/auditLog'],
    ['retention.snapshots=13mo', '/retention/snapshots'],
    ['metrics.prometheusRule.labels.release=1', '/metrics/prometheusRule/labels/release'],
    // Replacing one of the chart's own labels would break what selects on them.
    [
      'metrics.serviceMonitor.enabled=true,metrics.serviceMonitor.labels.app\\.kubernetes\\.io/instance=x',
      'metrics.serviceMonitor.labels: "app.kubernetes.io/instance" is a label the chart sets itself',
    ],
  ])('refuses %s, naming %s', (set, field) => {
    const out = template(...REQUIRED, set);
    expect(out.code).not.toBe(0);
    expect(out.stderr).toContain(field);
  });

  // Each of these the schema used to take and the app refused at start: the pods crash-looped.
  it.each([
    // The reconciler refuses credentials in ALERT_WEBHOOK_URL (deliveries are signed instead).
    ['alerts.webhookUrl=https://user:pass@hooks.example.com/x', '/alerts/webhookUrl'],
    ['alerts.webhookUrl=https://token@hooks.example.com/x', '/alerts/webhookUrl'],
    // TRUST_PROXY takes addresses and ranges the admin API can parse only.
    ['adminApi.trustProxy={10.244.0.0/33}', '/adminApi/trustProxy/0'],
    ['adminApi.trustProxy={1.2.3.4.5}', '/adminApi/trustProxy/0'],
    ['adminApi.trustProxy={10.244.0.0/16,256.0.0.0/8}', '/adminApi/trustProxy/1'],
    ['adminApi.trustProxy={1:2:3}', '/adminApi/trustProxy/0'],
    ['adminApi.trustProxy={fd00::/129}', '/adminApi/trustProxy/0'],
    ['adminApi.trustProxy={fd00:::1/64}', '/adminApi/trustProxy/0'],
    // URLs the apps cannot parse (zod's url(): the WHATWG parser).
    ['adminApi.publicUrl=https://[bad', '/adminApi/publicUrl'],
    ['adminApi.publicUrl=https://[1:2:3]:8080', '/adminApi/publicUrl'],
    ['adminApi.publicUrl=https://admin.example.com:65536', '/adminApi/publicUrl'],
    ['adminApi.oidc.jwksUrl=https://[bad/jwks', '/adminApi/oidc/jwksUrl'],
    ['xero.identityUrl=https://[bad', '/xero/identityUrl'],
    ['xero.loginUrl=https://999.1.1.1', '/xero/loginUrl'],
    ['xero.apiUrl=https://xero.123', '/xero/apiUrl'],
  ])('refuses %s, naming %s, as the app would at start', (set, field) => {
    const out = template(...REQUIRED, set);
    expect(out.code).not.toBe(0);
    expect(out.stderr).toContain(`at '${field}'`);
  });

  it('refuses a global webhook URL longer than the reconciler takes (2048 characters)', () => {
    const url = 'https://hooks.example.com/';
    const set = (length: number) => `alerts.webhookUrl=${url}${'x'.repeat(length - url.length)}`;
    const out = template(...REQUIRED, set(2049));
    expect(out.code).not.toBe(0);
    expect(out.stderr).toContain("at '/alerts/webhookUrl'");
    expect(template(...REQUIRED, 'alerts.webhookSecret.existingSecret=hook', set(2048)).code).toBe(
      0,
    );
  });

  it.each([
    'adminApi.publicUrl=http://localhost:8080',
    'adminApi.publicUrl=http://[::1]:8080/',
    'adminApi.publicUrl=https://127.0.0.1',
    'adminApi.publicUrl=https://xao.example.com/admin?x=1#y',
    'xero.apiUrl=http://xero-sandbox.xao-system.svc.cluster.local.:4010/api.xro',
    'alerts.webhookUrl=https://hooks.example.com/services/T0/B0/x@y',
    'adminApi.trustProxy={10.244.0.0/16,10.0.0.0/255.0.0.0,192.0.2.7,fd00:10:244::/56,::ffff:10.0.0.0/104,loopback,linklocal,uniquelocal}',
    'redis.keyPrefix=team-a.prod_2',
  ])('accepts %s', (set) => {
    const out = template(...REQUIRED, 'alerts.webhookSecret.existingSecret=hook', set);
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
  });

  // scripts/tools.sh builds helm to assume the pinned kube-apiserver's version instead of v1.20,
  // which the chart's kubeVersion (>=1.30) refuses: a plain `helm template` works.
  it('renders without --kube-version', () => {
    const out = helm(['template', 'xao', chartDir, ...REQUIRED.flatMap((s) => ['--set', s])]);
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    expect(kinds(out.stdout).map((o) => o.kind)).toContain('Deployment');
  });

  // Helm hands every subchart the umbrella's `global` values, whether it reads them or not.
  it('renders as a dependency of an umbrella chart, whose values it still checks', () => {
    const umbrella = mkdtempSync(join(tmpdir(), 'umbrella-'));
    writeFileSync(
      join(umbrella, 'Chart.yaml'),
      'apiVersion: v2\nname: platform\nversion: 1.0.0\n' +
        'dependencies:\n' +
        '  - { name: xero-access-operator, version: 0.1.0, condition: xero-access-operator.enabled }\n',
    );
    // Helm leaves the condition's `enabled` in the subchart's values, which its schema checks.
    writeFileSync(
      join(umbrella, 'values.yaml'),
      'global: { imageRegistry: registry.example.com }\nxero-access-operator: { enabled: true }\n',
    );
    cpSync(chartDir, join(umbrella, 'charts', 'xero-access-operator'), { recursive: true });
    const sub = (s: string) => `xero-access-operator.${s}`;
    const args = ['template', 'platform', umbrella, '--kube-version', KUBE_VERSION];
    const out = helm([...args, ...REQUIRED.flatMap((s) => ['--set', sub(s)])]);
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    expect(kinds(out.stdout).map((o) => o.metadata.name)).toContain(
      'platform-xero-access-reconciler',
    );

    const wrong = helm([
      ...args,
      ...[...REQUIRED, 'unknownTopLevel=1'].flatMap((s) => ['--set', sub(s)]),
    ]);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toContain('unknownTopLevel');

    const disabled = helm([...args, '--set', sub('enabled=false')]);
    expect(disabled.stderr).toBe('');
    expect(kinds(disabled.stdout)).toEqual([]);
    const notBoolean = helm([
      ...args,
      ...REQUIRED.flatMap((s) => ['--set', sub(s)]),
      '--set-string',
      sub('enabled=yes'),
    ]);
    expect(notBoolean.code).not.toBe(0);
    expect(notBoolean.stderr).toContain('/enabled');
  });

  // Deleting the CRD deletes every XeroConnection: neither Helm nor Argo CD nor Flux may do it.
  it('marks the CRD to be kept by helm uninstall and never pruned or deleted by Argo CD or Flux', () => {
    const expected = {
      'helm.sh/resource-policy': 'keep',
      'argocd.argoproj.io/sync-options': 'Delete=false,Prune=false',
      'kustomize.toolkit.fluxcd.io/prune': 'disabled',
    };
    const shown = helm(['show', 'crds', chartDir]);
    expect(shown.code).toBe(0);
    const [crd] = kinds(shown.stdout) as unknown as {
      metadata: { annotations: Record<string, string> };
    }[];
    expect(crd!.metadata.annotations).toEqual(expect.objectContaining(expected));
    const installed = JSON.parse(
      kubectl(kubeconfig, ['get', 'crd', 'xeroconnections.xeroaccess.dev', '-o', 'json']),
    ) as { metadata: { annotations: Record<string, string> } };
    expect(installed.metadata.annotations).toEqual(expect.objectContaining(expected));
  });

  const requiredExcept = (value: string) => REQUIRED.filter((s) => !s.startsWith(`${value}=`));
  it.each([
    [
      'the shared database',
      requiredExcept('database.existingSecret'),
      'database.existingSecret is required',
    ],
    ['Redis', requiredExcept('redis.url'), 'redis.url or redis.existingSecret is required'],
    [
      'a shared OAuth state key for its two admin API replicas',
      requiredExcept('adminApi.oauthStateSecret'),
      'adminApi.oauthStateSecret is required',
    ],
    [
      'one source for the database CA',
      [...REQUIRED, 'database.tls.ca.existingSecret=pg-ca', 'database.tls.ca.configMapName=pg-ca'],
      'database.tls.ca: set existingSecret or configMapName, not both',
    ],
    [
      "an alert webhook's signing Secret",
      [...REQUIRED, 'alerts.webhookUrl=https://hooks.example.com/x'],
      'alerts.webhookSecret.existingSecret is required',
    ],
  ])('refuses to install without %s, saying why', (_what, sets, message) => {
    const out = template(...sets);
    expect(out.code).not.toBe(0);
    expect(out.stderr).toContain(message);
  });

  it('refuses a termination grace period no longer than the admin API drain, saying why', () => {
    const out = template(
      ...REQUIRED,
      'adminApi.shutdownDrainSeconds=30',
      'adminApi.terminationGracePeriodSeconds=30',
    );
    expect(out.code).not.toBe(0);
    expect(out.stderr).toContain(
      'adminApi.terminationGracePeriodSeconds must be longer than adminApi.shutdownDrainSeconds',
    );
  });

  it('refuses two extra Xero limits with one id (their counts would mix), naming it', () => {
    const cap = (i: number, points: number) =>
      `xero.extraLimits[${i}].id=provider,xero.extraLimits[${i}].points=${points},xero.extraLimits[${i}].windowMs=1000`;
    const out = template(...REQUIRED, cap(0, 5), cap(1, 50));
    expect(out.code).not.toBe(0);
    expect(out.stderr).toContain('xero.extraLimits: the id "provider" appears twice');
    // Both apps get the caps: the admin API's code exchanges are charged to them too, in the same
    // Redis budget (neither sets REDIS_KEY_PREFIX: their defaults `xao` and `xao:` are one prefix).
    const deployments = deploymentEnvs(render(cap(0, 5)));
    expect(deployments).toHaveLength(2);
    for (const { env } of deployments) {
      expect(JSON.parse(env.find((e) => e.name === 'XERO_EXTRA_LIMITS')!.value!)).toEqual([
        { id: 'provider', points: 5, windowMs: 1000 },
      ]);
      expect(env.find((e) => e.name === 'REDIS_KEY_PREFIX')).toBeUndefined();
    }
  });
});

/** An identity provider the chart accepts (every setting OIDC requires). */
const OIDC_ON = [
  'adminApi.oidc.enabled=true',
  'adminApi.oidc.issuer=https://idp.example.com',
  'adminApi.oidc.audience=xao-admin',
  'adminApi.oidc.jwksUrl=https://idp.example.com/jwks',
  'adminApi.oidc.groupRoles.sec-team=admin',
];

describe('rendered manifests', () => {
  let schemaLocation: string;
  const variants = {
    defaults: render(),
    namespaced: render(
      'watchNamespaces={finance,payroll}',
      'redis.existingSecret=xao-redis',
      'database.tls.ca.existingSecret=pg-ca',
      'database.tls.ca.key=root.pem',
      'database.migrations.existingSecret=xao-db-owner',
    ),
    everything: render(
      'policyBundle.configMapName=policies',
      'database.tls.ca.configMapName=pg-ca',
      'alerts.webhookUrl=https://hooks.example.com/x',
      'alerts.webhookSecret.existingSecret=hook',
      ...OIDC_ON,
    ),
  };

  beforeAll(() => {
    const openapi = JSON.parse(kubectl(kubeconfig, ['get', '--raw', '/openapi/v2']));
    const needed = Object.values(variants).flatMap(kinds);
    const crd = { apiVersion: 'xeroaccess.dev/v1alpha1', kind: 'XeroConnection' };
    schemaLocation = writeKubeconformSchemas(openapi, mkdtempSync(join(tmpdir(), 'kubeconform-')), [
      ...needed,
      crd,
    ]);
  });

  it.each(Object.keys(variants))(
    '%s: validate with kubeconform -strict against the API server schemas',
    (name) => {
      const file = join(mkdtempSync(join(tmpdir(), 'render-')), `${name}.yaml`);
      writeFileSync(file, variants[name as keyof typeof variants]);
      const out = spawnSync(
        findTool('kubeconform'),
        ['-strict', '-summary', '-schema-location', schemaLocation, file],
        { encoding: 'utf8' },
      );
      expect(out.stdout + out.stderr).toMatch(/Invalid: 0, Errors: 0/);
      expect(out.stdout).not.toMatch(/Skipped: [1-9]/);
      expect(out.status).toBe(0);
    },
  );

  it('catches a manifest that breaks the schema (the check can fail)', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'render-')), 'bad.yaml');
    writeFileSync(
      file,
      'apiVersion: xeroaccess.dev/v1alpha1\nkind: XeroConnection\nmetadata: {name: x}\nspec:\n  credentialsSecretRef: {name: a}\n  syncIntervall: 1h\n',
    );
    const out = spawnSync(
      findTool('kubeconform'),
      ['-strict', '-schema-location', schemaLocation, file],
      { encoding: 'utf8' },
    );
    expect(out.status).not.toBe(0);
    expect(out.stdout).toContain('syncIntervall');
  });

  // The admin API lists XeroConnections too: with Roles only in these namespaces, it must ask each.
  it('tells both apps which namespaces are watched', () => {
    const deployments = deploymentEnvs(variants.namespaced);
    expect(deployments).toHaveLength(2);
    for (const { env } of deployments) {
      expect(env.find((e) => e.name === 'WATCH_NAMESPACES')?.value).toBe('finance,payroll');
    }
  });

  // Releases sharing one Redis would otherwise share its keys: one release's reconciler takes the
  // other's re-evaluation requests (and drops them: no such connection), the rate limits mix.
  it('gives both apps the Redis key prefix of redis.keyPrefix, as each joins it, and theirs unless set', () => {
    const prefixes = (manifests: string) =>
      Object.fromEntries(
        deploymentEnvs(manifests).map(({ name, env }) => [
          name,
          env.find((e) => e.name === 'REDIS_KEY_PREFIX')?.value,
        ]),
      );
    // Unset: the apps' own defaults, `xao` and `xao:`, one prefix.
    expect(prefixes(variants.defaults)).toEqual({
      'xao-xero-access-reconciler': undefined,
      'xao-xero-access-admin-api': undefined,
    });
    // The reconciler puts `:` after the prefix itself (`team-a:refresh:…`); the admin API appends
    // its key names as they are (`team-a:api-rl:…`); the keys both use (`team-a:reevaluate:pending`,
    // the Xero limiter's `team-a:rl`) ignore a trailing `:`.
    expect(prefixes(render('redis.keyPrefix=team-a'))).toEqual({
      'xao-xero-access-reconciler': 'team-a',
      'xao-xero-access-admin-api': 'team-a:',
    });
  });

  it('tells both apps how many PostgreSQL connections each pod may open (database.poolMax)', () => {
    const poolMaxOf = (manifests: string) =>
      deploymentEnvs(manifests).map(
        ({ env }) => env.find((e) => e.name === 'DATABASE_POOL_MAX')?.value,
      );
    expect(poolMaxOf(variants.defaults)).toEqual(['10', '10']);
    expect(poolMaxOf(render('database.poolMax=4'))).toEqual(['4', '4']);
  });

  type PodSpec = {
    containers: { volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[] }[];
    volumes?: { name: string; secret?: unknown; configMap?: unknown }[];
  };
  /**
   * Each workload's pod spec by name: the Deployments' and the migration Job's templates, and
   * `helm test`'s Pod.
   */
  const podSpecs = (manifests: string) =>
    Object.fromEntries(
      (
        kinds(manifests) as unknown as {
          kind: string;
          metadata: { name: string };
          spec: PodSpec & { template: { spec: PodSpec } };
        }[]
      )
        .filter((o) => ['Deployment', 'Job', 'Pod'].includes(o.kind))
        .map((o) => [o.metadata.name, o.kind === 'Pod' ? o.spec : o.spec.template.spec]),
    );

  // DATABASE_URL's sslrootcert names /etc/xero-access/database-ca/ca.crt (values.yaml, README).
  it('mounts database.tls.ca read-only as ca.crt where sslrootcert names it, in both apps and the migration Job only', () => {
    const expected = {
      namespaced: { secret: { secretName: 'pg-ca', items: [{ key: 'root.pem', path: 'ca.crt' }] } },
      everything: { configMap: { name: 'pg-ca', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
    };
    for (const [variant, source] of Object.entries(expected)) {
      const pods = podSpecs(variants[variant as keyof typeof expected]);
      expect(Object.keys(pods)).toHaveLength(4);
      for (const [name, pod] of Object.entries(pods)) {
        const volume = pod.volumes?.find((v) => v.name === 'database-ca');
        const mounts = pod.containers.flatMap((c) => c.volumeMounts ?? []);
        // helm test only asks the admin API's health: it never opens the database.
        if (name.endsWith('-test-admin-api')) {
          expect(volume, name).toBeUndefined();
          continue;
        }
        expect(volume, `${variant} ${name}`).toEqual({ name: 'database-ca', ...source });
        expect(
          mounts.filter((m) => m.name === 'database-ca'),
          name,
        ).toEqual([
          { name: 'database-ca', mountPath: '/etc/xero-access/database-ca', readOnly: true },
        ]);
      }
    }
    for (const pod of Object.values(podSpecs(variants.defaults))) {
      expect((pod.volumes ?? []).map((v) => v.name)).not.toContain('database-ca');
      expect(pod.containers.flatMap((c) => c.volumeMounts ?? []).map((m) => m.name)).not.toContain(
        'database-ca',
      );
    }
  });

  /** The value of an environment variable of the Deployment whose name ends with `suffix`. */
  const deploymentEnv = (suffix: string) => (manifests: string, name: string) =>
    deploymentEnvs(manifests)
      .find((d) => d.name.endsWith(suffix))!
      .env.find((e) => e.name === name)?.value;
  const adminApiEnv = deploymentEnv('-admin-api');
  const reconcilerEnv = deploymentEnv('-reconciler');

  it('limits each sync to reconciler.syncTimeoutSeconds (SYNC_TIMEOUT), 120 s unless set', () => {
    expect(reconcilerEnv(variants.defaults, 'SYNC_TIMEOUT')).toBe('120s');
    expect(reconcilerEnv(render('reconciler.syncTimeoutSeconds=45'), 'SYNC_TIMEOUT')).toBe('45s');
  });

  it('keeps webhook deliveries 30 days, the audit log and snapshots forever unless retention says otherwise', () => {
    expect(reconcilerEnv(variants.defaults, 'RETENTION_WEBHOOK_DELIVERIES')).toBe('30d');
    expect(reconcilerEnv(variants.defaults, 'RETENTION_AUDIT_LOG')).toBeUndefined();
    expect(reconcilerEnv(variants.defaults, 'RETENTION_SNAPSHOTS')).toBeUndefined();
    const set = render(
      'retention.webhookDeliveries=7d',
      'retention.auditLog=2555d',
      'retention.snapshots=400d',
    );
    expect(reconcilerEnv(set, 'RETENTION_WEBHOOK_DELIVERIES')).toBe('7d');
    expect(reconcilerEnv(set, 'RETENTION_AUDIT_LOG')).toBe('2555d');
    expect(reconcilerEnv(set, 'RETENTION_SNAPSHOTS')).toBe('400d');
  });

  it('caps risk acceptances at adminApi.maxAcceptanceDays, 365 unless set', () => {
    expect(adminApiEnv(variants.defaults, 'MAX_ACCEPTANCE_DAYS')).toBe('365');
    expect(adminApiEnv(render('adminApi.maxAcceptanceDays=90'), 'MAX_ACCEPTANCE_DAYS')).toBe('90');
  });

  it('reads OIDC groups from adminApi.oidc.groupsClaim, `groups` unless set', () => {
    expect(adminApiEnv(variants.everything, 'OIDC_GROUPS_CLAIM')).toBe('groups');
    const entra = render(...OIDC_ON, 'adminApi.oidc.groupsClaim=roles');
    expect(adminApiEnv(entra, 'OIDC_GROUPS_CLAIM')).toBe('roles');
  });

  it("reads the person's email from adminApi.oidc.emailClaim, `email` unless set", () => {
    expect(adminApiEnv(variants.everything, 'OIDC_EMAIL_CLAIM')).toBe('email');
    const entra = render(...OIDC_ON, 'adminApi.oidc.emailClaim=upn');
    expect(adminApiEnv(entra, 'OIDC_EMAIL_CLAIM')).toBe('upn');
  });

  // Trusting no proxy unless told keeps any pod (or a port-forward) from choosing its source IP.
  it('trusts no proxy unless adminApi.trustProxy names the ingress pods, and passes on the rate limits', () => {
    expect(adminApiEnv(variants.defaults, 'TRUST_PROXY')).toBeUndefined();
    expect(adminApiEnv(variants.defaults, 'RATE_LIMIT_PER_MINUTE')).toBe('600');
    expect(adminApiEnv(variants.defaults, 'RATE_LIMIT_PER_IP_PER_MINUTE')).toBe('1200');
    const behindIngress = render(
      'adminApi.trustProxy={10.244.0.0/16,fd00:10:244::/56}',
      'adminApi.rateLimit.perCredential=120',
      'adminApi.rateLimit.perClientIp=3000',
    );
    expect(adminApiEnv(behindIngress, 'TRUST_PROXY')).toBe('10.244.0.0/16,fd00:10:244::/56');
    expect(adminApiEnv(behindIngress, 'RATE_LIMIT_PER_MINUTE')).toBe('120');
    expect(adminApiEnv(behindIngress, 'RATE_LIMIT_PER_IP_PER_MINUTE')).toBe('3000');
  });

  it("drains the admin API on SIGTERM within its grace period, and probes readiness on the pod's own state only", () => {
    const deployment = (values: string) =>
      (
        kinds(values).find(
          (o) => o.kind === 'Deployment' && o.metadata.name.endsWith('-admin-api'),
        ) as unknown as {
          spec: {
            template: {
              spec: {
                terminationGracePeriodSeconds: number;
                containers: Record<
                  'startupProbe' | 'livenessProbe' | 'readinessProbe',
                  { httpGet: { path: string }; timeoutSeconds?: number }
                >[];
              };
            };
          };
        }
      ).spec.template.spec;
    const defaults = deployment(variants.defaults);
    expect(adminApiEnv(variants.defaults, 'SHUTDOWN_DRAIN_SECONDS')).toBe('5');
    expect(defaults.terminationGracePeriodSeconds).toBe(30);
    // Never /health/dependencies: it asks the database and Redis, an outage would empty the Service.
    const [container] = defaults.containers;
    expect(
      (['startupProbe', 'livenessProbe', 'readinessProbe'] as const).map(
        (probe) => container![probe].httpGet.path,
      ),
    ).toEqual(['/health/live', '/health/live', '/health/ready']);
    expect(container!.readinessProbe.timeoutSeconds).toBe(1);

    const slow = render(
      'adminApi.shutdownDrainSeconds=15',
      'adminApi.terminationGracePeriodSeconds=60',
    );
    expect(adminApiEnv(slow, 'SHUTDOWN_DRAIN_SECONDS')).toBe('15');
    expect(deployment(slow).terminationGracePeriodSeconds).toBe(60);
  });

  // From one value: a reconciler that planned its stop for a longer grace period than the pod has
  // is killed before it releases the Lease, and the standby waits for the Lease to expire.
  it("gives the reconciler the pod's grace period, from one value", () => {
    const gracePeriods = (manifests: string) => {
      const pod = (
        kinds(manifests).find(
          (o) => o.kind === 'Deployment' && o.metadata.name.endsWith('-reconciler'),
        ) as unknown as {
          spec: {
            template: {
              spec: {
                terminationGracePeriodSeconds: number;
                containers: { env: { name: string; value?: string }[] }[];
              };
            };
          };
        }
      ).spec.template.spec;
      return {
        pod: pod.terminationGracePeriodSeconds,
        app: pod.containers[0]!.env.find((e) => e.name === 'SHUTDOWN_GRACE_PERIOD')?.value,
      };
    };
    expect(gracePeriods(variants.defaults)).toEqual({ pod: 30, app: '30s' });
    expect(gracePeriods(render('reconciler.terminationGracePeriodSeconds=75'))).toEqual({
      pod: 75,
      app: '75s',
    });
  });

  // What the alerts do is tested with promtool in alert-rules.int.test.ts; here, when they render.
  const alertNames = (...sets: string[]) =>
    (
      kinds(render('metrics.prometheusRule.enabled=true', ...sets)).find(
        (o) => o.kind === 'PrometheusRule',
      ) as unknown as { spec: { groups: { rules: { alert: string }[] }[] } }
    ).spec.groups.flatMap((g) => g.rules.map((r) => r.alert));

  // They watch the job the chart's ServiceMonitor gives the reconciler: scraped some other way, the
  // job is unknown; with no replicas, nothing is meant to run.
  it('renders the reconciler-down and no-leader alerts only with the ServiceMonitor and replicas', () => {
    const both = ['XeroAccessReconcilerDown', 'XeroAccessNoLeader'];
    expect(alertNames('metrics.serviceMonitor.enabled=true')).toEqual(expect.arrayContaining(both));
    for (const sets of [[], ['metrics.serviceMonitor.enabled=true', 'reconciler.replicas=0']])
      for (const alert of both) expect(alertNames(...sets), sets.join(' ')).not.toContain(alert);
  });

  // Likewise the admin API's, on its own replicas: a release may run either alone.
  it('renders the admin API alerts only with the ServiceMonitor and admin API replicas', () => {
    const admin = [
      'XeroAccessAdminApiDown',
      'XeroAccessAdminApiErrors',
      'XeroAccessAdminApiSlow',
      'XeroAccessReevaluationRequestsFailed',
    ];
    expect(alertNames('metrics.serviceMonitor.enabled=true', 'reconciler.replicas=0')).toEqual(
      expect.arrayContaining(admin),
    );
    for (const sets of [[], ['metrics.serviceMonitor.enabled=true', 'adminApi.replicas=0']])
      for (const alert of admin) expect(alertNames(...sets), sets.join(' ')).not.toContain(alert);
  });

  // kube-prometheus-stack's Prometheus picks ServiceMonitors and rules by its release's label.
  it('adds metrics.serviceMonitor.labels and metrics.prometheusRule.labels to the chart labels', () => {
    const objects = kinds(
      render(
        'metrics.serviceMonitor.enabled=true',
        'metrics.prometheusRule.enabled=true',
        'metrics.serviceMonitor.labels.release=kube-prometheus-stack',
        'metrics.prometheusRule.labels.release=kube-prometheus-stack',
        'metrics.prometheusRule.labels.team=security',
      ),
    ) as unknown as { kind: string; metadata: { labels: Record<string, string> } }[];
    const labels = (kind: string) => objects.find((o) => o.kind === kind)?.metadata.labels;
    expect(labels('ServiceMonitor')).toEqual(
      expect.objectContaining({
        release: 'kube-prometheus-stack',
        'app.kubernetes.io/instance': 'xao',
      }),
    );
    expect(labels('ServiceMonitor')).not.toHaveProperty('team');
    expect(labels('PrometheusRule')).toEqual(
      expect.objectContaining({
        release: 'kube-prometheus-stack',
        team: 'security',
        'app.kubernetes.io/instance': 'xao',
      }),
    );
  });

  // The connection series carry the XeroConnection's namespace; without honorLabels Prometheus
  // renames it exported_namespace and sets the operator's, merging same-named connections.
  it("scrapes with honorLabels, so the alerts' namespace is the XeroConnection's", () => {
    const monitor = kinds(render('metrics.serviceMonitor.enabled=true')).find(
      (o) => o.kind === 'ServiceMonitor' && o.metadata.name === 'xao-xero-access-reconciler',
    ) as unknown as { spec: { endpoints: { port: string; honorLabels?: boolean }[] } };
    expect(monitor.spec.endpoints).toEqual([
      expect.objectContaining({ port: 'metrics', honorLabels: true }),
    ]);
  });

  // A PreSync hook's Job whose pod never starts would otherwise hold the sync for good.
  it('bounds the migration Job by database.migrations.activeDeadlineSeconds, 900 unless set', () => {
    const deadline = (manifests: string) =>
      (
        kinds(manifests).find((o) => o.kind === 'Job') as unknown as {
          spec: { activeDeadlineSeconds?: number };
        }
      ).spec.activeDeadlineSeconds;
    expect(deadline(variants.defaults)).toBe(900);
    expect(deadline(render('database.migrations.activeDeadlineSeconds=1800'))).toBe(1800);
  });

  // Argo CD's label tracking sets app.kubernetes.io/instance on what it applies to the
  // Application's name: a ServiceMonitor selecting by it would find no Service.
  it("selects the metrics Service by the chart's own labels, not app.kubernetes.io/instance", () => {
    const objects = kinds(render('metrics.serviceMonitor.enabled=true')) as unknown as {
      kind: string;
      metadata: { name: string; labels: Record<string, string> };
      spec: { selector: { matchLabels: Record<string, string> } };
    }[];
    const selected = (component: string) => {
      const selector = objects.find(
        (o) => o.kind === 'ServiceMonitor' && o.metadata.name === `xao-xero-access-${component}`,
      )!.spec.selector.matchLabels;
      expect(selector).not.toHaveProperty('app.kubernetes.io/instance');
      expect(selector).toEqual(
        expect.objectContaining({
          'xeroaccess.dev/release': 'xao',
          'app.kubernetes.io/component': component,
        }),
      );
      return objects
        .filter(
          (o) =>
            o.kind === 'Service' &&
            Object.entries(selector).every(([key, value]) => o.metadata.labels[key] === value),
        )
        .map((o) => o.metadata.name);
    };
    expect(selected('reconciler')).toEqual(['xao-xero-access-reconciler-metrics']);
    expect(selected('admin-api')).toEqual(['xao-xero-access-admin-api-metrics']);
  });

  // The admin API's Service may be a LoadBalancer or NodePort: metrics must never ride on it.
  it("serves the admin API's metrics on their own port and ClusterIP Service, scraped by a ServiceMonitor", () => {
    interface Port {
      name: string;
      port?: number;
      containerPort?: number;
      targetPort?: string;
    }
    const objects = kinds(
      render('metrics.serviceMonitor.enabled=true', 'adminApi.service.type=LoadBalancer'),
    ) as unknown as {
      kind: string;
      metadata: { name: string };
      spec: {
        type?: string;
        ports: Port[];
        endpoints: { port: string; honorLabels?: boolean }[];
        template: {
          spec: { containers: { env: { name: string; value?: string }[]; ports: Port[] }[] };
        };
      };
    }[];
    const named = (kind: string, name: string) =>
      objects.find((o) => o.kind === kind && o.metadata.name === `xao-xero-access-${name}`)!.spec;
    const container = named('Deployment', 'admin-api').template.spec.containers[0]!;
    expect(container.ports).toEqual([
      { name: 'http', containerPort: 8080, protocol: 'TCP' },
      { name: 'metrics', containerPort: 9090, protocol: 'TCP' },
    ]);
    expect(container.env).toEqual(
      expect.arrayContaining([
        { name: 'PORT', value: '8080' },
        { name: 'METRICS_PORT', value: '9090' },
      ]),
    );
    expect(named('Service', 'admin-api').ports.map((p) => p.targetPort)).toEqual(['http']);
    const metricsService = named('Service', 'admin-api-metrics');
    expect(metricsService.type).toBeUndefined();
    expect(metricsService.ports).toEqual([
      { name: 'metrics', port: 9090, targetPort: 'metrics', protocol: 'TCP' },
    ]);
    expect(named('ServiceMonitor', 'admin-api').endpoints).toEqual([
      { port: 'metrics', interval: '30s' },
    ]);
  });

  it('renders no ServiceMonitor unless metrics.serviceMonitor.enabled', () => {
    expect(kinds(render()).filter((o) => o.kind === 'ServiceMonitor')).toEqual([]);
  });

  // Helm lets two releases share a name in different namespaces; their cluster-scoped objects
  // must not: the second install would fail, or one uninstall remove the other's rights.
  it('names cluster-scoped objects after the release namespace too, and binds them by those names', () => {
    const CLUSTER_SCOPED = ['ClusterRole', 'ClusterRoleBinding'];
    const clusterScoped = (namespace: string, ...sets: string[]) => {
      const out = helm([
        'template',
        'xao',
        chartDir,
        '--namespace',
        namespace,
        '--kube-version',
        KUBE_VERSION,
        ...[...REQUIRED, ...sets].flatMap((s) => ['--set', s]),
      ]);
      if (out.code !== 0) throw new Error(out.stderr);
      const objects = kinds(out.stdout) as unknown as {
        kind: string;
        metadata: { name: string; namespace?: string };
        roleRef?: { kind: string; name: string };
      }[];
      const names = objects.filter((o) => CLUSTER_SCOPED.includes(o.kind));
      for (const binding of names.filter((o) => o.kind === 'ClusterRoleBinding'))
        expect(
          names.some((o) => o.kind === 'ClusterRole' && o.metadata.name === binding.roleRef!.name),
          binding.metadata.name,
        ).toBe(true);
      return names.map((o) => `${o.kind}/${o.metadata.name}`);
    };
    for (const sets of [[], ['watchNamespaces={finance}']]) {
      const [finance, payroll] = [
        clusterScoped('team-a', ...sets),
        clusterScoped('team-b', ...sets),
      ];
      expect(finance.length, sets.join(' ')).toBeGreaterThan(0);
      expect(
        finance.filter((name) => payroll.includes(name)),
        sets.join(' '),
      ).toEqual([]);
    }
    expect(clusterScoped('team-a', 'watchNamespaces={finance}')).toEqual(
      expect.arrayContaining([
        'ClusterRole/team-a-xao-xero-access-reconciler-all-connections',
        'ClusterRoleBinding/team-a-xao-xero-access-reconciler-crd',
      ]),
    );
  });

  // With the reconciler's default Lease name, two releases in one namespace would elect one leader
  // among all their pods, and the other release's connections would never be reconciled.
  it('names the leader Lease after the release, one per release in a namespace', () => {
    const leaseName = (release: string) => {
      const out = templateRelease(release, ...REQUIRED);
      if (out.code !== 0) throw new Error(out.stderr);
      return deploymentEnvs(out.stdout)
        .find((d) => d.name.endsWith('-reconciler'))!
        .env.find((e) => e.name === 'LEADER_ELECTION_LEASE_NAME')?.value;
    };
    expect(leaseName('finance')).toBe('finance-xero-access-reconciler');
    expect(leaseName('payroll')).toBe('payroll-xero-access-reconciler');
  });

  // Two releases watching one namespace: only the one whose leader holds the namespace's claim
  // Lease (named after that release's leader Lease, above) reconciles its XeroConnections.
  it('lets the reconciler claim each namespace it watches: its claim Lease by name, create, nothing else', () => {
    type Rule = {
      apiGroups: string[];
      resources: string[];
      resourceNames?: string[];
      verbs: string[];
    };
    type Role = { kind: string; metadata: { name: string; namespace?: string }; rules: Rule[] };
    const claimRules: Rule[] = [
      {
        apiGroups: ['coordination.k8s.io'],
        resources: ['leases'],
        resourceNames: ['xero-access-operator-claim'],
        verbs: ['get', 'update'],
      },
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
    ];
    const roles = (manifests: string) =>
      (kinds(manifests) as unknown as Role[]).filter((o) =>
        ['Role', 'ClusterRole'].includes(o.kind),
      );
    const leaseRules = (role: Role) =>
      role.rules.filter((r) => r.apiGroups.includes('coordination.k8s.io'));
    const reconciler = 'xao-xero-access-reconciler';

    // watchNamespaces set: in each watched namespace, as the reconciler's other rights there.
    const namespaced = roles(variants.namespaced);
    const watched = namespaced.filter((r) => r.metadata.name === reconciler);
    expect(watched.map((r) => [r.kind, r.metadata.namespace])).toEqual([
      ['Role', 'finance'],
      ['Role', 'payroll'],
    ]);
    for (const role of watched) expect(leaseRules(role)).toEqual(claimRules);
    expect(namespaced.filter((r) => r.kind === 'ClusterRole').flatMap(leaseRules)).toEqual([]);

    // Every namespace watched: cluster-wide, in the reconciler's ClusterRole (named after the
    // release namespace too).
    const everywhere = roles(variants.defaults);
    const cluster = everywhere.filter((r) => r.kind === 'ClusterRole');
    const clusterReconciler = `xao-system-${reconciler}`;
    expect(leaseRules(cluster.find((r) => r.metadata.name === clusterReconciler)!)).toEqual(
      claimRules,
    );
    // The admin API claims nothing; the leader election keeps its Role in the release namespace.
    for (const role of [...namespaced, ...everywhere].filter((r) =>
      r.metadata.name.endsWith('-admin-api'),
    ))
      expect(leaseRules(role)).toEqual([]);
    expect(
      everywhere
        .filter((r) => r.kind === 'ClusterRole' && r.metadata.name !== clusterReconciler)
        .flatMap(leaseRules),
    ).toEqual([]);
  });

  const budgets = (replicas: number) =>
    kinds(render(`reconciler.replicas=${replicas}`, `adminApi.replicas=${replicas}`))
      .filter((o) => o.kind === 'PodDisruptionBudget')
      .map((o) => ({ name: o.metadata.name, spec: (o as unknown as { spec: unknown }).spec }));

  // minAvailable 1 on the only pod would forbid evicting it: every node drain would hang.
  it('budgets disruptions only for an app with more than one replica', () => {
    expect(budgets(1)).toEqual([]);
    expect(budgets(2)).toEqual([
      {
        name: 'xao-xero-access-admin-api',
        spec: expect.objectContaining({ minAvailable: 1 }),
      },
      {
        name: 'xao-xero-access-reconciler',
        spec: expect.objectContaining({ minAvailable: 1 }),
      },
    ]);
    const onlyReconciler = kinds(render('adminApi.replicas=1')).filter(
      (o) => o.kind === 'PodDisruptionBudget',
    );
    expect(onlyReconciler.map((o) => o.metadata.name)).toEqual(['xao-xero-access-reconciler']);
  });

  it('runs both apps non-root, read-only, without privilege escalation or capabilities', () => {
    const deployments = kinds(variants.defaults).filter(
      (o) => o.kind === 'Deployment',
    ) as unknown as {
      spec: {
        template: {
          spec: {
            securityContext: Record<string, unknown>;
            containers: { securityContext: Record<string, unknown> }[];
          };
        };
      };
    }[];
    expect(deployments).toHaveLength(2);
    for (const d of deployments) {
      expect(d.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
      for (const c of d.spec.template.spec.containers) {
        expect(c.securityContext).toMatchObject({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ['ALL'] },
        });
      }
    }
  });

  it.each(['reconciler', 'admin-api'])(
    'gives the %s longer to start than it waits for its database, before liveness counts',
    (component) => {
      const deployment = kinds(variants.defaults).find(
        (o) => o.kind === 'Deployment' && String(o.metadata?.name).endsWith(`-${component}`),
      ) as unknown as {
        spec: {
          template: {
            spec: {
              containers: {
                startupProbe?: { periodSeconds: number; failureThreshold: number };
                livenessProbe?: unknown;
              }[];
            };
          };
        };
      };
      const [container] = deployment.spec.template.spec.containers;
      const startup = container!.startupProbe!;
      // DATABASE_STARTUP_WAIT defaults to 120 s (DATABASE_STARTUP_WAIT_MS in @xero-access/model).
      expect(startup.periodSeconds * startup.failureThreshold).toBeGreaterThan(120);
      expect(container!.livenessProbe).toBeDefined();
    },
  );
});

describe('image', () => {
  const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;
  // Every container of every object, hooks and the helm test pod included.
  const images = (manifests: string) =>
    (
      kinds(manifests) as unknown as {
        kind: string;
        spec?: {
          containers?: { image: string }[];
          template?: { spec: { containers: { image: string }[] } };
        };
      }[]
    ).flatMap((o) =>
      (o.spec?.template?.spec.containers ?? o.spec?.containers ?? []).map(
        (c) => `${o.kind}: ${c.image}`,
      ),
    );
  const everyContainer = (image: string) => [
    `Deployment: ${image}`,
    `Deployment: ${image}`,
    `Job: ${image}`,
    `Pod: ${image}`,
  ];

  it("pulls repository:tag, the chart's appVersion unless image.tag is set", () => {
    const repo = 'ghcr.io/xero-access-operator/xero-access-operator';
    expect(images(render()).sort()).toEqual(everyContainer(`${repo}:0.1.0`));
    expect(images(render('image.tag=1.2.3')).sort()).toEqual(everyContainer(`${repo}:1.2.3`));
  });

  // The common convention (Bitnami's and most charts'): a digest replaces the tag rather than
  // joining it (repository:tag@digest), whose tag the runtime ignores anyway.
  it('pulls repository@digest in every container when image.digest is set, ignoring the tag', () => {
    const out = render(
      'image.repository=registry.example.com/xao',
      'image.tag=1.2.3',
      `image.digest=${DIGEST}`,
    );
    expect(images(out).sort()).toEqual(everyContainer(`registry.example.com/xao@${DIGEST}`));
  });

  it.each([
    'sha256:abc',
    DIGEST.toUpperCase(),
    DIGEST.slice('sha256:'.length),
    `sha512:${'0'.repeat(64)}`,
    `${DIGEST}0`,
  ])('refuses image.digest=%s, naming /image/digest', (digest) => {
    const out = template(...REQUIRED, `image.digest=${digest}`);
    expect(out.code).not.toBe(0);
    expect(out.stderr).toContain('/image/digest');
  });
});

import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { findTool } from '@xero-access/local-cluster';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { chartDir, helmAsync, kubectl, REQUIRED } from './helm.js';
import { kubeRequest, type KubeRequest } from './kube-api.js';
import { finishMigrationJob } from './migration-job.js';

const kubeconfig = inject('kubeconfig');

function canI(
  sa: string,
  namespace: string,
  verb: string,
  resource: string,
  subresource?: string,
): boolean {
  const args = [
    '--kubeconfig',
    kubeconfig,
    'auth',
    'can-i',
    verb,
    resource,
    '-n',
    namespace,
    `--as=${sa}`,
  ];
  if (subresource) args.push(`--subresource=${subresource}`);
  const out = spawnSync(findTool('kubectl'), args, { encoding: 'utf8' });
  return out.stdout.trim() === 'yes';
}

type Row = [
  verb: string,
  resource: string,
  subresource: string | undefined,
  namespace: 'watched' | 'release' | 'other',
  allowed: boolean,
];

const XC = 'xeroconnections.xeroaccess.dev';
const CRD = 'customresourcedefinitions.apiextensions.k8s.io';
const LEASES = 'leases.coordination.k8s.io';
const CLAIM = 'xero-access-operator-claim';
// Exactly the calls the code makes (sent for real below), and nothing else.
const reconcilerMatrix: Row[] = [
  ['get', XC, undefined, 'watched', true],
  ['list', XC, undefined, 'watched', true],
  ['watch', XC, undefined, 'watched', true],
  ['patch', XC, undefined, 'watched', true], // finalizers and annotations, by merge patch
  ['patch', XC, 'status', 'watched', true],
  ['get', 'secrets', undefined, 'watched', true],
  ['list', 'secrets', undefined, 'watched', true], // the Secret watch
  ['watch', 'secrets', undefined, 'watched', true],
  ['update', 'secrets', undefined, 'watched', true], // the rotated refresh token (a PUT)
  ['create', 'events.events.k8s.io', undefined, 'watched', true],
  // lease-elector.ts: its release's Lease by name ({fullname} is the release's); create cannot name one.
  ['get', `${LEASES}/{fullname}-reconciler`, undefined, 'release', true],
  ['create', LEASES, undefined, 'release', true],
  ['update', `${LEASES}/{fullname}-reconciler`, undefined, 'release', true],
  ['get', `${LEASES}/another-release-reconciler`, undefined, 'release', false],
  ['update', `${LEASES}/another-release-reconciler`, undefined, 'release', false],
  // namespace-claims.ts: its release's claim on a watched namespace; create cannot name a Lease.
  ['get', `${LEASES}/${CLAIM}`, undefined, 'watched', true],
  ['create', LEASES, undefined, 'watched', true],
  ['update', `${LEASES}/${CLAIM}`, undefined, 'watched', true],
  ['get', `${LEASES}/other-controller`, undefined, 'watched', false],
  ['update', `${LEASES}/other-controller`, undefined, 'watched', false],
  ['delete', `${LEASES}/${CLAIM}`, undefined, 'watched', false],
  ['list', LEASES, undefined, 'watched', false],
  ['get', `${CRD}/${XC}`, undefined, 'release', true], // its own CRD's schema revision, at start
  ['update', XC, undefined, 'watched', false],
  ['get', XC, 'status', 'watched', false],
  ['update', XC, 'status', 'watched', false],
  ['update', XC, 'finalizers', 'watched', false], // no ownerReferences to block deletion with
  ['patch', 'secrets', undefined, 'watched', false],
  ['create', 'events', undefined, 'watched', false], // core Events: it writes events.k8s.io ones
  ['patch', 'events.events.k8s.io', undefined, 'watched', false],
  ['create', XC, undefined, 'watched', false],
  ['delete', XC, undefined, 'watched', false],
  ['create', 'secrets', undefined, 'watched', false],
  ['delete', 'secrets', undefined, 'watched', false],
  // Before revoking a deleted connection's grant: every XeroConnection, whoever watches it.
  ['list', XC, undefined, 'other', true],
  ['get', XC, undefined, 'other', false], // finalize.ts lists, it reads none by name
  ['watch', XC, undefined, 'other', false],
  ['patch', XC, undefined, 'other', false],
  ['get', 'secrets', undefined, 'other', false],
  ['list', 'secrets', undefined, 'other', false],
  ['watch', 'secrets', undefined, 'other', false],
  ['create', LEASES, undefined, 'other', false],
  ['get', `${LEASES}/${CLAIM}`, undefined, 'other', false],
  ['list', 'pods', undefined, 'watched', false],
  ['get', 'configmaps', undefined, 'watched', false],
  ['create', 'clusterroles.rbac.authorization.k8s.io', undefined, 'watched', false],
  ['list', CRD, undefined, 'release', false],
  ['get', `${CRD}/servicemonitors.monitoring.coreos.com`, undefined, 'release', false],
  ['update', `${CRD}/${XC}`, undefined, 'release', false],
];
const adminApiMatrix: Row[] = [
  ['get', XC, undefined, 'watched', true],
  ['list', XC, undefined, 'watched', true],
  ['get', 'secrets', undefined, 'watched', true],
  ['create', 'secrets', undefined, 'watched', true],
  ['update', 'secrets', undefined, 'watched', true],
  ['update', XC, undefined, 'watched', false],
  ['patch', XC, undefined, 'watched', false],
  ['update', XC, 'status', 'watched', false],
  ['delete', XC, undefined, 'watched', false],
  ['patch', 'secrets', undefined, 'watched', false],
  ['list', 'secrets', undefined, 'watched', false],
  ['delete', 'secrets', undefined, 'watched', false],
  ['get', 'secrets', undefined, 'other', false],
  ['list', XC, undefined, 'other', false],
  ['create', 'events', undefined, 'watched', false],
  ['create', 'leases.coordination.k8s.io', undefined, 'release', false],
];

describe('helm install into the local control plane (watchNamespaces set: Roles only there)', () => {
  const suffix = randomBytes(3).toString('hex');
  const release = `xao-${suffix}`;
  const namespaces = {
    release: `xao-system-${suffix}`,
    watched: `finance-${suffix}`,
    other: `payroll-${suffix}`,
  };
  const fullname = `${release}-xero-access`;

  beforeAll(async () => {
    kubectl(kubeconfig, ['create', 'namespace', namespaces.watched]);
    kubectl(kubeconfig, ['create', 'namespace', namespaces.other]);
    const install = helmAsync(
      [
        'install',
        release,
        chartDir,
        '-n',
        namespaces.release,
        '--create-namespace',
        '--set',
        REQUIRED.join(','),
        '--set',
        `watchNamespaces={${namespaces.watched}}`,
      ],
      kubeconfig,
    );
    // The install waits for the migration hook (migrations.int.test.ts tests it).
    await finishMigrationJob(kubeconfig, namespaces.release, `${fullname}-migrate`, 'Complete');
    const out = await install;
    if (out.code !== 0) throw new Error(out.stderr);
  });

  it('creates the workloads, service accounts, RBAC and policies it should', () => {
    const names = kubectl(kubeconfig, [
      'get',
      'deployments,services,serviceaccounts,poddisruptionbudgets,networkpolicies,roles,rolebindings',
      '-n',
      namespaces.release,
      '-o',
      'name',
    ]);
    for (const expected of [
      `deployment.apps/${fullname}-reconciler`,
      `deployment.apps/${fullname}-admin-api`,
      `service/${fullname}-admin-api`,
      `serviceaccount/${fullname}-reconciler`,
      `serviceaccount/${fullname}-admin-api`,
      `poddisruptionbudget.policy/${fullname}-reconciler`,
      `networkpolicy.networking.k8s.io/${fullname}-admin-api`,
      `role.rbac.authorization.k8s.io/${fullname}-leader-election`,
    ]) {
      expect(names).toContain(expected);
    }
    const watchedRoles = kubectl(kubeconfig, [
      'get',
      'roles',
      '-n',
      namespaces.watched,
      '-o',
      'name',
    ]);
    expect(watchedRoles).toContain(`role.rbac.authorization.k8s.io/${fullname}-reconciler`);
    expect(kubectl(kubeconfig, ['get', 'roles', '-n', namespaces.other, '-o', 'name'])).toBe('');
    const deployment = JSON.parse(
      kubectl(kubeconfig, [
        'get',
        'deployment',
        `${fullname}-reconciler`,
        '-n',
        namespaces.release,
        '-o',
        'json',
      ]),
    );
    expect(deployment.spec.replicas).toBe(2);
  });

  it.each(reconcilerMatrix)(
    'reconciler: %s %s/%s in the %s namespace → allowed=%s',
    (verb, resource, sub, ns, allowed) => {
      const sa = `system:serviceaccount:${namespaces.release}:${fullname}-reconciler`;
      const named = resource.replace('{fullname}', fullname);
      expect(canI(sa, namespaces[ns], verb, named, sub)).toBe(allowed);
    },
  );

  it.each(adminApiMatrix)(
    'admin-api: %s %s/%s in the %s namespace → allowed=%s',
    (verb, resource, sub, ns, allowed) => {
      const sa = `system:serviceaccount:${namespaces.release}:${fullname}-admin-api`;
      expect(canI(sa, namespaces[ns], verb, resource, sub)).toBe(allowed);
    },
  );

  /**
   * The requests the apps send (method, path, content type), sent as their ServiceAccounts: a
   * rule narrowed below what the code needs fails here with the API server's 403.
   */
  describe('each call the code makes succeeds as its ServiceAccount', () => {
    const ns = () => namespaces.watched;
    const xc = (sub = '') =>
      `/apis/xeroaccess.dev/v1alpha1/namespaces/${ns()}/xeroconnections${sub}`;
    const secrets = (sub = '') => `/api/v1/namespaces/${ns()}/secrets${sub}`;
    const leases = (sub = '') =>
      `/apis/coordination.k8s.io/v1/namespaces/${namespaces.release}/leases${sub}`;
    const MERGE_PATCH = 'application/merge-patch+json';
    // secret-watcher.ts: Secrets are listed and watched as metadata only.
    const METADATA_LIST = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1';
    const METADATA = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1';

    /** Sends the request as the component's ServiceAccount; its body when the status is `expected`. */
    const call =
      (component: string) =>
      async (
        method: KubeRequest['method'],
        path: string,
        options: Partial<KubeRequest> & { expected?: number } = {},
      ) => {
        const as = `system:serviceaccount:${namespaces.release}:${fullname}-${component}`;
        const res = await kubeRequest(kubeconfig, { method, path, as, ...options });
        expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).toBe(
          options.expected ?? (method === 'POST' ? 201 : 200),
        );
        return res.body;
      };
    const reconciler = call('reconciler');
    const adminApi = call('admin-api');
    const secret = (name: string, data: Record<string, string>) => ({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace: ns() },
      type: 'Opaque',
      stringData: data,
    });

    beforeAll(() => {
      const acme = {
        apiVersion: 'xeroaccess.dev/v1alpha1',
        kind: 'XeroConnection',
        metadata: { name: 'acme', namespace: ns() },
        spec: {
          credentialsSecretRef: { name: 'acme-app' },
          tokenSecretRef: { name: 'acme-tokens' },
        },
      };
      const objects = [
        secret('acme-app', { clientId: 'id', clientSecret: 'secret' }),
        secret('acme-tokens', { refresh_token: 'r' }),
        acme,
      ];
      execFileSync(findTool('kubectl'), ['--kubeconfig', kubeconfig, 'create', '-f', '-'], {
        input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }),
      });
    });

    // No reconciler runs here to take the finalizer off again.
    afterAll(() => {
      const unblock = [
        'patch',
        'xc',
        'acme',
        '--type=merge',
        '-p',
        '{"metadata":{"finalizers":null}}',
      ];
      kubectl(kubeconfig, ['-n', ns(), ...unblock]);
    });

    it('reconciler: watches, every connection, finalizers, annotations, status, token write-back, Events, leader Lease, namespace claim', async () => {
      // xero-connection-watcher.ts and secret-watcher.ts (resource-watcher.ts): list, then watch.
      const list = await reconciler('GET', xc('?limit=500'));
      expect(list.items.map((i: { metadata: { name: string } }) => i.metadata.name)).toContain(
        'acme',
      );
      await reconciler(
        'GET',
        xc(`?watch=1&timeoutSeconds=1&resourceVersion=${list.metadata.resourceVersion}`),
      );
      const metadata = await reconciler('GET', secrets('?limit=500'), { accept: METADATA_LIST });
      expect(metadata.kind).toBe('PartialObjectMetadataList');
      await reconciler(
        'GET',
        secrets(`?watch=1&timeoutSeconds=1&resourceVersion=${metadata.metadata.resourceVersion}`),
        { accept: METADATA },
      );

      // finalize.ts: every XeroConnection in the cluster, before a grant is revoked.
      const everywhere = await reconciler(
        'GET',
        '/apis/xeroaccess.dev/v1alpha1/xeroconnections?limit=500',
      );
      expect(
        everywhere.items.map((i: { metadata: { name: string } }) => i.metadata.name),
      ).toContain('acme');

      // xero-connection-api.ts: get, and merge patches of finalizers, annotations and status.
      const { resourceVersion, uid } = (await reconciler('GET', xc('/acme'))).metadata;
      const finalizers = ['xeroaccess.dev/finalizer'];
      await reconciler('PATCH', xc('/acme'), {
        contentType: MERGE_PATCH,
        body: { metadata: { finalizers, resourceVersion } },
      });
      await reconciler('PATCH', xc('/acme'), {
        contentType: MERGE_PATCH,
        body: { metadata: { annotations: { 'xeroaccess.dev/sync-requested-at': 'now' } } },
      });
      const patched = await reconciler('PATCH', xc('/acme/status'), {
        contentType: MERGE_PATCH,
        body: { status: { observedGeneration: 1 } },
      });
      expect(patched).toMatchObject({
        metadata: { finalizers },
        status: { observedGeneration: 1 },
      });

      // credentials-secret.ts, token-secret.ts, alert-targets.ts: read; the rotated token is a PUT.
      await reconciler('GET', secrets('/acme-app'));
      await reconciler('GET', secrets('/xero-access-alerts'), { expected: 404 });
      const tokens = await reconciler('GET', secrets('/acme-tokens'));
      await reconciler('PUT', secrets('/acme-tokens'), {
        body: { ...tokens, data: { ...tokens.data, access_token: 'eA==' } },
      });

      // event-recorder.ts: events.k8s.io/v1, created only.
      await reconciler('POST', `/apis/events.k8s.io/v1/namespaces/${ns()}/events`, {
        body: {
          apiVersion: 'events.k8s.io/v1',
          kind: 'Event',
          metadata: { name: `acme.${Date.now().toString(16)}`, namespace: ns() },
          eventTime: new Date().toISOString().replace('Z', '000Z'),
          reportingController: 'xeroaccess.dev/reconciler',
          reportingInstance: 'rbac-test',
          action: 'Sync',
          reason: 'Synced',
          type: 'Normal',
          note: 'sent as the reconciler',
          regarding: {
            apiVersion: 'xeroaccess.dev/v1alpha1',
            kind: 'XeroConnection',
            namespace: ns(),
            name: 'acme',
            uid,
          },
        },
      });

      // crd-revision.ts: its own CRD, read once at start.
      const crd = await reconciler(
        'GET',
        `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${XC}`,
      );
      expect(crd.metadata.annotations['xeroaccess.dev/schema-revision']).toMatch(/^\d+$/);

      // lease-elector.ts: its release's Lease, read, created, replaced; no other release's.
      const own = `/${fullname}-reconciler`;
      await reconciler('GET', leases(own), { expected: 404 });
      const lease = await reconciler('POST', leases(), {
        body: {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name: `${fullname}-reconciler` },
          spec: { holderIdentity: 'a' },
        },
      });
      await reconciler('PUT', leases(own), {
        body: { ...lease, spec: { holderIdentity: 'b' } },
      });
      await reconciler('GET', leases('/another-release-reconciler'), { expected: 403 });

      // namespace-claims.ts (lease-lock.ts): the claim on a watched namespace, read, created, replaced.
      const claims = (sub = '') => `/apis/coordination.k8s.io/v1/namespaces/${ns()}/leases${sub}`;
      await reconciler('GET', claims(`/${CLAIM}`), { expected: 404 });
      const claim = await reconciler('POST', claims(), {
        body: {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name: CLAIM },
          spec: { holderIdentity: `${namespaces.release}/${fullname}-reconciler` },
        },
      });
      await reconciler('PUT', claims(`/${CLAIM}`), {
        body: { ...claim, spec: { ...claim.spec, leaseDurationSeconds: 60 } },
      });
    });

    it('admin API: connections list and read, credentials read, token Secret create and replace', async () => {
      // kube.ts
      const list = await adminApi('GET', xc());
      expect(list.items.map((i: { metadata: { name: string } }) => i.metadata.name)).toContain(
        'acme',
      );
      await adminApi('GET', xc('/acme'));
      // connect.service.ts, connect/token-secret.ts: read; create when missing, else replace.
      await adminApi('GET', secrets('/acme-app'));
      await adminApi('GET', secrets('/globex-tokens'), { expected: 404 });
      const created = await adminApi('POST', secrets(), {
        body: secret('globex-tokens', { refresh_token: 'r' }),
      });
      await adminApi('PUT', secrets('/globex-tokens'), {
        body: { ...created, data: { refresh_token: 'cw==' } },
      });
    });
  });
});

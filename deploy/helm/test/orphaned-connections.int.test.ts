import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { findTool } from '@xero-access/local-cluster';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { chartDir, helm, kubectl, REQUIRED } from './helm.js';

const kubeconfig = inject('kubeconfig');

// The operator's finalizer, as packages/crd defines it (the chart's check names it).
const FINALIZER = /XERO_CONNECTION_FINALIZER = '([^']+)'/.exec(
  readFileSync(new URL('../../../packages/crd/src/constants.ts', import.meta.url), 'utf8'),
)![1]!;

/**
 * `helm upgrade` against the local control plane, where the chart's lookup sees the release's
 * reconciler Deployment and the XeroConnections. onStart: no migration Job to play the controller for.
 */
describe('helm upgrade refuses to orphan XeroConnections that carry the finalizer', () => {
  const suffix = randomBytes(3).toString('hex');
  const release = `xao-${suffix}`;
  const other = `xab-${suffix}`;
  const namespace = `xao-orphans-${suffix}`;
  const ns = { kept: `kept-${suffix}`, dropped: `dropped-${suffix}`, plain: `plain-${suffix}` };
  const deploy = (
    command: 'install' | 'upgrade',
    name: string,
    watch: string[],
    ...extra: string[]
  ) =>
    helm(
      [
        command,
        name,
        chartDir,
        '-n',
        namespace,
        ...(command === 'install' ? ['--create-namespace'] : []),
        '--set',
        [...REQUIRED, 'database.migrations.mode=onStart'].join(','),
        '--set-json',
        `watchNamespaces=${JSON.stringify(watch)}`,
        ...extra,
      ],
      kubeconfig,
    );
  const watched = () =>
    kubectl(kubeconfig, [
      '-n',
      namespace,
      'get',
      'deployment',
      `${release}-xero-access-reconciler`,
      '-o',
      'jsonpath={.spec.template.spec.containers[0].env[?(@.name=="WATCH_NAMESPACES")].value}',
    ]);
  const connection = (namespace: string, name: string, finalizers: string[]) => ({
    apiVersion: 'xeroaccess.dev/v1alpha1',
    kind: 'XeroConnection',
    metadata: { name, namespace, finalizers },
    spec: {
      credentialsSecretRef: { name: `${name}-app` },
      tokenSecretRef: { name: `${name}-tokens` },
    },
  });
  const finalized = [
    [ns.kept, 'umbrella'],
    [ns.dropped, 'globex'],
    [ns.dropped, 'acme'],
  ];

  // Someone who may run helm for the chart, but not read XeroConnections.
  const user = `xao-orphans-helm-${suffix}`;
  const grants = [
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: user },
      rules: [
        {
          apiGroups: ['', 'apps', 'policy', 'networking.k8s.io', 'rbac.authorization.k8s.io'],
          resources: ['*'],
          verbs: ['*'],
        },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: user },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: user },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
    },
  ];

  beforeAll(() => {
    for (const n of Object.values(ns)) kubectl(kubeconfig, ['create', 'namespace', n]);
    const installed = deploy('install', release, Object.values(ns));
    if (installed.code !== 0) throw new Error(installed.stderr);
    const items = [
      ...finalized.map(([n, name]) => connection(n!, name!, [FINALIZER])),
      connection(ns.plain, 'initech', []),
      ...grants,
    ];
    execFileSync(findTool('kubectl'), ['--kubeconfig', kubeconfig, 'create', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items }),
    });
  });

  // No reconciler runs here to take the finalizer off.
  afterAll(() => {
    for (const [n, name] of finalized)
      kubectl(kubeconfig, [
        '-n',
        n!,
        'patch',
        'xc',
        name!,
        '--type=merge',
        '-p',
        '{"metadata":{"finalizers":null}}',
      ]);
    kubectl(kubeconfig, ['delete', 'clusterrolebinding,clusterrole', user]);
    helm(['uninstall', other, '-n', namespace], kubeconfig);
    helm(['uninstall', release, '-n', namespace], kubeconfig);
  });

  it('refuses to drop a namespace holding them, naming each, and changes nothing', () => {
    const out = deploy('upgrade', release, [ns.kept]);
    expect(out.code).not.toBe(0);
    expect(out.stderr).toContain(
      `watchNamespaces: this upgrade stops watching these XeroConnections, which carry the finalizer ${FINALIZER}:\n  ${ns.dropped}: acme, globex\n`,
    );
    expect(out.stderr).toContain('Delete them first, while their namespace is still watched');
    expect(out.stderr).toContain('set allowOrphanedConnections=true');
    // Still watched, or without the finalizer: not named.
    expect(out.stderr).not.toContain('umbrella');
    expect(out.stderr).not.toContain('initech');
    expect(watched()).toBe(Object.values(ns).join(','));
  });

  // lookup asks the cluster only when helm talks to it.
  it('refuses under --dry-run=server too; a client-side dry run cannot check', () => {
    const server = deploy('upgrade', release, [ns.kept], '--dry-run=server');
    expect(server.code).not.toBe(0);
    expect(server.stderr).toContain(`${ns.dropped}: acme, globex`);
    const client = deploy('upgrade', release, [ns.kept], '--dry-run');
    expect(client.code, client.stderr).toBe(0);
  });

  // lookup errors when the API server forbids it (it returns nothing only for what is not found).
  it('fails, rather than skipping the check, for someone who may not list XeroConnections', () => {
    const as = ['--kube-as-user', user];
    const out = deploy('upgrade', release, [ns.kept], ...as);
    expect(out.code).not.toBe(0);
    expect(out.stderr).toContain(
      `cannot list resource "xeroconnections" in API group "xeroaccess.dev" in the namespace "${ns.dropped}"`,
    );
    // No namespace dropped, or the check waived: nothing to look up.
    const same = deploy('upgrade', release, Object.values(ns), ...as, '--dry-run=server');
    expect(same.code, same.stderr).toBe(0);
    const waived = deploy(
      'upgrade',
      release,
      [ns.kept],
      ...as,
      '--dry-run=server',
      '--set',
      'allowOrphanedConnections=true',
    );
    expect(waived.code, waived.stderr).toBe(0);
    expect(watched()).toBe(Object.values(ns).join(','));
  });

  it('drops a namespace whose connections carry no finalizer', () => {
    const out = deploy('upgrade', release, [ns.kept, ns.dropped]);
    expect(out.code, out.stderr).toBe(0);
    expect(watched()).toBe(`${ns.kept},${ns.dropped}`);
  });

  it('drops a namespace another release of the chart watches too (a hand-over)', () => {
    const installed = deploy('install', other, [ns.dropped]);
    expect(installed.code, installed.stderr).toBe(0);
    const out = deploy('upgrade', release, [ns.kept]);
    expect(out.code, out.stderr).toBe(0);
    expect(watched()).toBe(ns.kept);
    // Back to watching it alone, for the cases below.
    expect(helm(['uninstall', other, '-n', namespace], kubeconfig).code).toBe(0);
    expect(deploy('upgrade', release, [ns.kept, ns.dropped]).code).toBe(0);
  });

  it('drops it anyway with allowOrphanedConnections=true', () => {
    const out = deploy('upgrade', release, [ns.kept], '--set', 'allowOrphanedConnections=true');
    expect(out.code, out.stderr).toBe(0);
    expect(watched()).toBe(ns.kept);
    const roles = kubectl(kubeconfig, ['-n', ns.dropped, 'get', 'roles', '-o', 'name']);
    expect(roles).not.toContain(release);
  });

  it('refuses to narrow from every namespace to a list without theirs', () => {
    const all = deploy('upgrade', release, []);
    expect(all.code, all.stderr).toBe(0);
    expect(watched()).toBe('');
    const out = deploy('upgrade', release, [ns.kept]);
    expect(out.code).not.toBe(0);
    expect(out.stderr).toContain(`\n  ${ns.dropped}: acme, globex\n`);
    expect(out.stderr).not.toContain('umbrella');
    expect(watched()).toBe('');
  });
});

import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { findTool } from '@xero-access/local-cluster';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { chartDir, helm, kubectl, REQUIRED } from './helm.js';

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
const reconcilerMatrix: Row[] = [
  ['get', XC, undefined, 'watched', true],
  ['list', XC, undefined, 'watched', true],
  ['watch', XC, undefined, 'watched', true],
  ['patch', XC, undefined, 'watched', true],
  ['update', XC, 'status', 'watched', true],
  ['update', XC, 'finalizers', 'watched', true],
  ['get', 'secrets', undefined, 'watched', true],
  ['list', 'secrets', undefined, 'watched', true], // the Secret watch
  ['watch', 'secrets', undefined, 'watched', true],
  ['update', 'secrets', undefined, 'watched', true],
  ['create', 'events.events.k8s.io', undefined, 'watched', true],
  ['create', 'leases.coordination.k8s.io', undefined, 'release', true],
  ['update', 'leases.coordination.k8s.io', undefined, 'release', true],
  ['create', XC, undefined, 'watched', false],
  ['delete', XC, undefined, 'watched', false],
  ['create', 'secrets', undefined, 'watched', false],
  ['delete', 'secrets', undefined, 'watched', false],
  ['get', 'secrets', undefined, 'other', false],
  ['watch', 'secrets', undefined, 'other', false],
  ['create', 'leases.coordination.k8s.io', undefined, 'watched', false],
  ['list', 'pods', undefined, 'watched', false],
  ['get', 'configmaps', undefined, 'watched', false],
  ['create', 'clusterroles.rbac.authorization.k8s.io', undefined, 'watched', false],
];
const adminApiMatrix: Row[] = [
  ['get', XC, undefined, 'watched', true],
  ['list', XC, undefined, 'watched', true],
  ['get', 'secrets', undefined, 'watched', true],
  ['create', 'secrets', undefined, 'watched', true],
  ['update', 'secrets', undefined, 'watched', true],
  ['update', XC, undefined, 'watched', false],
  ['update', XC, 'status', 'watched', false],
  ['delete', XC, undefined, 'watched', false],
  ['list', 'secrets', undefined, 'watched', false],
  ['delete', 'secrets', undefined, 'watched', false],
  ['get', 'secrets', undefined, 'other', false],
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

  beforeAll(() => {
    kubectl(kubeconfig, ['create', 'namespace', namespaces.watched]);
    kubectl(kubeconfig, ['create', 'namespace', namespaces.other]);
    const out = helm(
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
      expect(canI(sa, namespaces[ns], verb, resource, sub)).toBe(allowed);
    },
  );

  it.each(adminApiMatrix)(
    'admin-api: %s %s/%s in the %s namespace → allowed=%s',
    (verb, resource, sub, ns, allowed) => {
      const sa = `system:serviceaccount:${namespaces.release}:${fullname}-admin-api`;
      expect(canI(sa, namespaces[ns], verb, resource, sub)).toBe(allowed);
    },
  );
});

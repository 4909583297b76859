import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { chartDir, helm, helmAsync, kinds, kubectl, render, REQUIRED, template } from './helm.js';
import { finishMigrationJob, newMigrationJob, recordJobOutcome } from './migration-job.js';

const kubeconfig = inject('kubeconfig');

interface Env {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef: { name: string; key: string } };
}
interface PodSpec {
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  securityContext: unknown;
  containers: { command: string[]; env: Env[]; securityContext: unknown }[];
}
interface Workload {
  kind: string;
  metadata: { name: string; annotations?: Record<string, string> };
  spec: {
    backoffLimit?: number;
    ttlSecondsAfterFinished?: number;
    template: { spec: PodSpec };
  };
}

const workloads = (manifests: string) =>
  Object.fromEntries(
    (kinds(manifests) as unknown as Workload[])
      .filter((o) => o.kind === 'Deployment' || o.kind === 'Job')
      .map((o) => [o.metadata.name, o]),
  );
const env = (workload: Workload | undefined, name: string) =>
  workload?.spec.template.spec.containers[0]!.env.find((e) => e.name === name);
const APPS = ['xao-xero-access-reconciler', 'xao-xero-access-admin-api'];
const JOB = 'xao-xero-access-migrate';

describe('database.migrations.mode: job (the default)', () => {
  const rendered = workloads(render());
  const job = rendered[JOB];

  it('migrates in a Helm hook Job before install and upgrade', () => {
    expect(job?.kind).toBe('Job');
    expect(job!.metadata.annotations).toEqual({
      'helm.sh/hook': 'pre-install,pre-upgrade',
      'helm.sh/hook-delete-policy': 'before-hook-creation,hook-succeeded',
    });
    expect(job!.spec.backoffLimit).toBe(3);
    const [container] = job!.spec.template.spec.containers;
    expect(container!.command).toEqual(['node', 'packages/model/dist/cli/main.js', 'migrate']);
    expect(env(job, 'XAO_DATABASE_URL')?.valueFrom).toEqual({
      secretKeyRef: { name: 'xao-db', key: 'url' },
    });
  });

  // The image's WORKDIR is /app, holding packages/model (Dockerfile); the CLI is the model's bin.
  it("runs the model's own migrate CLI", () => {
    const model = JSON.parse(
      readFileSync(new URL('../../../packages/model/package.json', import.meta.url), 'utf8'),
    ) as { bin: Record<string, string> };
    expect(job!.spec.template.spec.containers[0]!.command[1]).toBe(
      `packages/model/${model.bin['xao-model']}`,
    );
    const dockerfile = readFileSync(new URL('../../../Dockerfile', import.meta.url), 'utf8');
    expect(dockerfile).toContain('WORKDIR /app');
    expect(dockerfile).toContain('COPY --from=build /src/packages/model ./packages/model');
  });

  // A pre-install hook runs before the release's ServiceAccounts exist, and needs no API access.
  it("uses none of the release's objects, and runs as locked down as the apps", () => {
    const pod = job!.spec.template.spec;
    expect(pod.serviceAccountName).toBeUndefined();
    expect(pod.automountServiceAccountToken).toBe(false);
    for (const app of APPS) {
      const appPod = rendered[app]!.spec.template.spec;
      expect(pod.securityContext).toEqual(appPod.securityContext);
      expect(pod.containers[0]!.securityContext).toEqual(appPod.containers[0]!.securityContext);
    }
  });

  it('starts both apps without migrating, naming the Job in the error of a schema it has not migrated', () => {
    for (const app of APPS) {
      expect(env(rendered[app], 'DATABASE_MIGRATE')?.value, app).toBe('false');
      expect(env(rendered[app], 'DATABASE_MIGRATION_JOB')?.value, app).toBe(JOB);
    }
  });

  it('migrates with database.migrations.existingSecret when set, the apps keep their own URL', () => {
    const ddl = workloads(
      render('database.migrations.existingSecret=xao-db-owner', 'database.migrations.urlKey=ddl'),
    );
    expect(env(ddl[JOB], 'XAO_DATABASE_URL')?.valueFrom).toEqual({
      secretKeyRef: { name: 'xao-db-owner', key: 'ddl' },
    });
    for (const app of APPS)
      expect(env(ddl[app], 'DATABASE_URL')?.valueFrom).toEqual({
        secretKeyRef: { name: 'xao-db', key: 'url' },
      });
  });

  it('passes on backoffLimit and the hook delete policy', () => {
    const tuned = workloads(
      render(
        'database.migrations.backoffLimit=0',
        'database.migrations.hookDeletePolicy=hook-failed',
      ),
    )[JOB]!;
    expect(tuned.spec.backoffLimit).toBe(0);
    expect(tuned.metadata.annotations?.['helm.sh/hook-delete-policy']).toBe(
      'before-hook-creation,hook-failed',
    );
  });

  // Applied without hooks (helm template | kubectl apply), nothing else removes the Job, and the
  // next version's could not be applied over it: its pod template is immutable.
  it('has Kubernetes delete the finished Job after database.migrations.ttlSecondsAfterFinished, a day unless set', () => {
    const ttl = (...sets: string[]) =>
      workloads(render(...sets))[JOB]!.spec.ttlSecondsAfterFinished;
    expect(job!.spec.ttlSecondsAfterFinished).toBe(86400);
    expect(ttl('database.migrations.ttlSecondsAfterFinished=3600')).toBe(3600);
    // Whole numbers, not 1e+06, however large.
    expect(ttl('database.migrations.ttlSecondsAfterFinished=1000000')).toBe(1000000);
    expect(ttl('database.migrations.ttlSecondsAfterFinished=null')).toBeUndefined();
  });

  it('keeps before-hook-creation where the value has it: the Job of a fixed name must go first', () => {
    const policy = (value: string) =>
      workloads(render(`database.migrations.hookDeletePolicy=${value}`))[JOB]!.metadata
        .annotations?.['helm.sh/hook-delete-policy'];
    expect(policy('hook-succeeded\\,before-hook-creation')).toBe(
      'hook-succeeded,before-hook-creation',
    );
    expect(policy('before-hook-creation')).toBe('before-hook-creation');
  });
});

describe('database.migrations.mode: onStart', () => {
  it('renders no Job, and both apps migrate as they start', () => {
    const rendered = workloads(render('database.migrations.mode=onStart'));
    expect(rendered[JOB]).toBeUndefined();
    for (const app of APPS) {
      expect(env(rendered[app], 'DATABASE_MIGRATE')?.value, app).toBe('true');
      expect(env(rendered[app], 'DATABASE_MIGRATION_JOB'), app).toBeUndefined();
    }
  });

  it('refuses database.migrations.existingSecret, which only the Job would use', () => {
    const out = template(
      ...REQUIRED,
      'database.migrations.mode=onStart',
      'database.migrations.existingSecret=xao-db-owner',
    );
    expect(out.code).not.toBe(0);
    expect(out.stderr).toContain(
      'database.migrations.existingSecret is used only with database.migrations.mode=job',
    );
  });
});

describe('database.migrations values schema', () => {
  it.each([
    ['database.migrations.mode=always', '/database/migrations/mode'],
    ['database.migrations.backoffLimit=-1', '/database/migrations/backoffLimit'],
    ['database.migrations.hookDeletePolicy=never', '/database/migrations/hookDeletePolicy'],
    // Deleted sooner, Helm or a GitOps tool might not see how it ended.
    [
      'database.migrations.ttlSecondsAfterFinished=59',
      '/database/migrations/ttlSecondsAfterFinished',
    ],
    ['database.migrations.existingSecret=DDL_User', '/database/migrations/existingSecret'],
  ])('refuses %s, naming %s', (set, field) => {
    const out = template(...REQUIRED, set);
    expect(out.code).not.toBe(0);
    expect(out.stderr).toContain(field);
  });
});

/**
 * `helm install` and `helm upgrade` on the local control plane, which runs no Job controller: the
 * test records each Job's outcome (migration-job.ts), as the controller would once its pod ended.
 */
describe('helm install and upgrade with the migration Job', () => {
  const suffix = randomBytes(3).toString('hex');
  const release = `xao-${suffix}`;
  const namespace = `xao-migrate-${suffix}`;
  const job = `${release}-xero-access-migrate`;
  const deployments = () =>
    kubectl(kubeconfig, ['-n', namespace, 'get', 'deployments', '-o', 'name']).trim();
  const imageTag = (deployment: string) =>
    kubectl(kubeconfig, [
      '-n',
      namespace,
      'get',
      'deployment',
      `${release}-xero-access-${deployment}`,
      '-o',
      'jsonpath={.spec.template.spec.containers[0].image}',
    ]).split(':')[1];
  const helmArgs = (command: 'install' | 'upgrade', tag: string) => [
    command,
    release,
    chartDir,
    '-n',
    namespace,
    ...(command === 'install' ? ['--create-namespace'] : []),
    '--timeout',
    '60s',
    '--set',
    [...REQUIRED, `image.tag=${tag}`].join(','),
  ];

  afterAll(() => {
    helm(['uninstall', release, '-n', namespace, '--no-hooks'], kubeconfig);
  });

  it('installs a fresh release: the Job first, the apps once it succeeded', async () => {
    const install = helmAsync(helmArgs('install', '1.0.0'), kubeconfig);
    const created = await newMigrationJob(kubeconfig, namespace, job);
    // While it runs, nothing else of the release exists: no app, no ServiceAccount to lean on.
    const objects = ['deployments', 'services', 'serviceaccounts', 'roles', 'networkpolicies'];
    expect(
      kubectl(kubeconfig, ['-n', namespace, 'get', objects.join(','), '-o', 'name']).trim(),
    ).toBe('');
    recordJobOutcome(kubeconfig, namespace, created, 'Complete');

    const out = await install;
    expect(out.code, out.stderr).toBe(0);
    expect(deployments()).toContain(`deployment.apps/${release}-xero-access-reconciler`);
    expect(imageTag('reconciler')).toBe('1.0.0');
    // hook-succeeded: Helm deleted the finished Job.
    expect(kubectl(kubeconfig, ['-n', namespace, 'get', 'jobs', '-o', 'name']).trim()).toBe('');
  });

  it('fails an upgrade whose migration failed, leaving the apps as they were and the Job for its logs', async () => {
    const upgrade = helmAsync(helmArgs('upgrade', '1.1.0'), kubeconfig);
    await finishMigrationJob(kubeconfig, namespace, job, 'Failed');

    const out = await upgrade;
    expect(out.code).not.toBe(0);
    expect(out.stderr).toContain(job);
    expect(imageTag('reconciler')).toBe('1.0.0');
    expect(imageTag('admin-api')).toBe('1.0.0');
    expect(kubectl(kubeconfig, ['-n', namespace, 'get', 'jobs', '-o', 'name']).trim()).toBe(
      `job.batch/${job}`,
    );
  });

  it('upgrades the apps once the next upgrade migrated (before-hook-creation replaces the failed Job)', async () => {
    const upgrade = helmAsync(helmArgs('upgrade', '1.1.0'), kubeconfig);
    await finishMigrationJob(kubeconfig, namespace, job, 'Complete');

    const out = await upgrade;
    expect(out.code, out.stderr).toBe(0);
    expect(imageTag('reconciler')).toBe('1.1.0');
    expect(imageTag('admin-api')).toBe('1.1.0');
  });
});

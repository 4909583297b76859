import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { CRD_SCHEMA_REVISION, crdFilePath } from '@xero-access/crd';
import {
  installCrds,
  repoRoot,
  startCluster,
  stopCluster,
  type ClusterState,
} from '@xero-access/local-cluster';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricValue } from '../test/reconciler-process.js';
import { useTestBed } from '../test/test-bed.js';

// A control plane of its own: an older CRD in the shared one would stop every other test's reconciler.
describe('the CRD schema revision check at start (real API server)', () => {
  const bed = useTestBed({ name: 'crdrev' });
  const dir = join(repoRoot(), '.local', `crd-revision-int-test-${process.pid}`);
  let cluster: ClusterState;

  beforeAll(async () => {
    // The same CRD as an older version had it: only the annotation differs.
    const older = join(mkdtempSync(join(tmpdir(), 'crd-revision-')), 'older.yaml');
    const current = readFileSync(crdFilePath, 'utf8');
    // Prettier writes the chart's YAML with single quotes; either quote is the same string.
    const annotation = new RegExp(
      `xeroaccess\\.dev/schema-revision: (["'])${CRD_SCHEMA_REVISION}\\1`,
    );
    expect(current).toMatch(annotation);
    writeFileSync(
      older,
      current.replace(annotation, `xeroaccess.dev/schema-revision: "${CRD_SCHEMA_REVISION - 1}"`),
    );
    cluster = await startCluster({ dir, crdFiles: [older] });
    const kc = new KubeConfig();
    kc.loadFromFile(cluster.kubeconfig);
    await kc
      .makeApiClient(CoreV1Api)
      .createNamespace({ body: { metadata: { name: bed.namespace } } });
  }, 120_000);
  afterAll(() => stopCluster(dir));

  const env = () => bed.env({ extra: { KUBECONFIG: cluster.kubeconfig } });

  it('refuses to run on an older CRD, naming both revisions and the command that applies the CRD', async () => {
    const reconciler = bed.spawnReconciler(env());
    const started = reconciler.url().then(
      () => 'started',
      () => 'exited',
    );
    expect(await Promise.race([reconciler.exited, started])).toBe(1);
    const fatal = reconciler.logs.find((l) => l.msg === 'reconciler failed to start');
    expect((fatal?.err as { message?: string } | undefined)?.message, reconciler.errorOutput).toBe(
      `The installed XeroConnection CRD xeroconnections.xeroaccess.dev has schema revision ${CRD_SCHEMA_REVISION - 1} (annotation xeroaccess.dev/schema-revision); this reconciler needs revision ${CRD_SCHEMA_REVISION} or newer. ` +
        "With an older CRD the API server drops the fields added since from every XeroConnection. To fix it, apply the chart's CRD, " +
        'e.g. `helm show crds <chart> | kubectl apply --server-side --force-conflicts -f -` (<chart> at this version), ' +
        'or enable CRD upgrades in your GitOps tool (Flux HelmRelease: install.crds and upgrade.crds CreateReplace; ' +
        'Kustomize helmCharts: includeCRDs: true; see the chart README, Upgrades and removal), then restart the reconciler.',
    );
    expect(reconciler.logs.map((l) => l.msg)).not.toContain('database ready');
  });

  // Before an upgrade the new version's CRD is applied first, so the running version meets it.
  it('starts on a newer CRD, with a warning saying why it may be newer', async () => {
    const newer = join(mkdtempSync(join(tmpdir(), 'crd-revision-')), 'newer.yaml');
    writeFileSync(
      newer,
      readFileSync(crdFilePath, 'utf8').replace(
        /xeroaccess\.dev\/schema-revision: (["'])\d+\1/,
        `xeroaccess.dev/schema-revision: "${CRD_SCHEMA_REVISION + 1}"`,
      ),
    );
    await installCrds(cluster.kubeconfig, [newer]);
    const reconciler = bed.spawnReconciler(env());
    expect(metricValue(await reconciler.metrics(), 'xao_crd_schema_revision ')).toBe(
      CRD_SCHEMA_REVISION + 1,
    );
    expect(
      reconciler.logs.find((l) => l.level === 'warn' && /CRD is newer/.test(String(l.msg))),
    ).toMatchObject({
      msg: 'the XeroConnection CRD is newer than this reconciler (applied ahead of an upgrade, or left by a rollback)',
      schemaRevision: CRD_SCHEMA_REVISION + 1,
      expected: CRD_SCHEMA_REVISION,
    });
    await reconciler.kill('SIGTERM');
  });

  it('starts once the CRD of this version is applied, and exports and logs its revision', async () => {
    await installCrds(cluster.kubeconfig, [crdFilePath]);
    const reconciler = bed.spawnReconciler(env());
    expect(metricValue(await reconciler.metrics(), 'xao_crd_schema_revision ')).toBe(
      CRD_SCHEMA_REVISION,
    );
    expect(
      reconciler.logs.find((l) => l.msg === 'XeroConnection CRD schema revision checked'),
    ).toMatchObject({ schemaRevision: CRD_SCHEMA_REVISION, expected: CRD_SCHEMA_REVISION });
  });
});

import { describe, expect, it } from 'vitest';
import { CrdRevisionError, installedRevision } from './crd-revision.js';

describe('installedRevision', () => {
  it('accepts the CRD of this build, and a newer one (a rollback keeps it: Helm never downgrades a CRD)', () => {
    expect(installedRevision('4', 4)).toBe(4);
    expect(installedRevision('5', 4)).toBe(5);
  });

  // Chart users have no repository checkout: the fix names the chart's CRD and the GitOps tools' settings.
  it('refuses an older CRD, naming the revision found, the one needed and the command that fixes it', () => {
    expect(() => installedRevision('3', 4)).toThrow(CrdRevisionError);
    expect(() => installedRevision('3', 4)).toThrow(
      'The installed XeroConnection CRD xeroconnections.xeroaccess.dev has schema revision 3 (annotation xeroaccess.dev/schema-revision); this reconciler needs revision 4 or newer. ' +
        "With an older CRD the API server drops the fields added since from every XeroConnection. To fix it, apply the chart's CRD, " +
        'e.g. `helm show crds <chart> | kubectl apply --server-side --force-conflicts -f -` (<chart> at this version), ' +
        'or enable CRD upgrades in your GitOps tool (Flux HelmRelease: install.crds and upgrade.crds CreateReplace; ' +
        'Kustomize helmCharts: includeCRDs: true; see the chart README, Upgrades and removal), then restart the reconciler.',
    );
  });

  it('refuses a CRD from before revisions, and a revision that is not a whole number', () => {
    expect(() => installedRevision(undefined, 1)).toThrow(
      'has no schema revision (no xeroaccess.dev/schema-revision annotation: it is older than revision 1); this reconciler needs revision 1 or newer',
    );
    expect(() => installedRevision('v2', 1)).toThrow(
      'has schema revision "v2" (annotation xeroaccess.dev/schema-revision), not a whole number; this reconciler needs revision 1',
    );
  });
});

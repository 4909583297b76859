import { ApiextensionsV1Api, type KubeConfig } from '@kubernetes/client-node';
import {
  CRD_SCHEMA_REVISION,
  SCHEMA_REVISION_ANNOTATION,
  XERO_CONNECTION_CRD_NAME,
} from '@xero-access/crd';
import type { Logger } from '../logging/logger.js';
import { describeKubeError, httpStatusOf } from './http-status.js';

/**
 * Installs this version's CRD from its chart, wherever the chart comes from (`<chart>`: a
 * repository's chart, an OCI reference or a folder, with `--version`): Helm installs a chart's
 * CRDs but never upgrades them. Not a path in this repository: chart users have none.
 * `--force-conflicts`: the fields of a CRD Helm created are Helm's, and a server-side apply that
 * changes them is refused without it.
 */
const APPLY_CRD_COMMAND =
  'helm show crds <chart> | kubectl apply --server-side --force-conflicts -f -';

/** How to get this version's CRD in place: by hand, or by the GitOps tool that installs the chart. */
export const APPLY_CRD_HINT =
  `apply the chart's CRD, e.g. \`${APPLY_CRD_COMMAND}\` (<chart> at this version), ` +
  `or enable CRD upgrades in your GitOps tool (Flux HelmRelease: install.crds and upgrade.crds CreateReplace; ` +
  `Kustomize helmCharts: includeCRDs: true; see the chart README, Upgrades and removal)`;

/** The installed CRD cannot serve this build, or cannot be read: the reconciler does not start. */
export class CrdRevisionError extends Error {
  override readonly name = 'CrdRevisionError';
}

/**
 * The installed CRD's schema revision from its annotation; throws why it cannot serve this build.
 * Older (or none, from before revisions) is refused: the API server prunes what its schema lacks,
 * so fields added since would vanish from every XeroConnection, status included, without an
 * error. Newer is accepted: an upgrade applies the new version's CRD before the chart (the other
 * way round its new pods could not start), and after a rollback the reconciler meets the newer
 * version's CRD, which Helm never downgrades; fields this build does not know are kept.
 */
export function installedRevision(
  annotation: string | undefined,
  expected: number = CRD_SCHEMA_REVISION,
): number {
  const found = annotation !== undefined && /^\d+$/.test(annotation) ? Number(annotation) : NaN;
  if (found >= expected) return found;
  const has =
    annotation === undefined
      ? `no schema revision (no ${SCHEMA_REVISION_ANNOTATION} annotation: it is older than revision 1)`
      : Number.isNaN(found)
        ? `schema revision ${JSON.stringify(annotation)} (annotation ${SCHEMA_REVISION_ANNOTATION}), not a whole number`
        : `schema revision ${found} (annotation ${SCHEMA_REVISION_ANNOTATION})`;
  throw new CrdRevisionError(
    `The installed XeroConnection CRD ${XERO_CONNECTION_CRD_NAME} has ${has}; this reconciler needs revision ${expected} or newer. ` +
      `With an older CRD the API server drops the fields added since from every XeroConnection. ` +
      `To fix it, ${APPLY_CRD_HINT}, then restart the reconciler.`,
  );
}

/**
 * Reads the XeroConnection CRD at start and returns its schema revision; throws a
 * CrdRevisionError saying what to do when it is older than this build's, missing or unreadable.
 */
export async function checkCrdRevision(
  kubeConfig: KubeConfig,
  logger: Logger,
  expected: number = CRD_SCHEMA_REVISION,
): Promise<number> {
  let annotation: string | undefined;
  try {
    const crd = await kubeConfig
      .makeApiClient(ApiextensionsV1Api)
      .readCustomResourceDefinition({ name: XERO_CONNECTION_CRD_NAME });
    annotation = crd.metadata?.annotations?.[SCHEMA_REVISION_ANNOTATION];
  } catch (error) {
    throw new CrdRevisionError(unreadable(error));
  }
  const found = installedRevision(annotation, expected);
  const fields = { crd: XERO_CONNECTION_CRD_NAME, schemaRevision: found, expected };
  if (found > expected)
    logger.warn(
      fields,
      'the XeroConnection CRD is newer than this reconciler (applied ahead of an upgrade, or left by a rollback)',
    );
  else logger.info(fields, 'XeroConnection CRD schema revision checked');
  return found;
}

function unreadable(error: unknown): string {
  const status = httpStatusOf(error);
  if (status === 404)
    return `The XeroConnection CRD ${XERO_CONNECTION_CRD_NAME} is not installed. To fix it, ${APPLY_CRD_HINT}.`;
  if (status === 403)
    return `The reconciler may not read the XeroConnection CRD ${XERO_CONNECTION_CRD_NAME} (${describeKubeError(error)}): its ClusterRole needs get on customresourcedefinitions.apiextensions.k8s.io named ${XERO_CONNECTION_CRD_NAME}, which the chart grants.`;
  return `Could not read the XeroConnection CRD ${XERO_CONNECTION_CRD_NAME} to check its schema revision: ${describeKubeError(error)}`;
}

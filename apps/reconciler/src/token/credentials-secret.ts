import type { CoreV1Api, V1Secret } from '@kubernetes/client-node';
import { abortOptions, type XeroConnectionSpec } from '@xero-access/crd';
import {
  credentialsFromSecretRef,
  xeroErrors,
  type XeroAppCredentials,
} from '@xero-access/xero-client';
import { isNotFound } from '../kube/http-status.js';

/**
 * The Xero app credentials from spec.credentialsSecretRef; InvalidSpec names the Secret and key.
 * They are checked before they reach an HTTP header (credentialsFromSecretRef, shared with the
 * admin API): a value no credential could be is InvalidSpec naming the key, not a confusing answer
 * from Xero later. The message never describes a value: the Secret may be one the connection's
 * author cannot read. `signal` aborts the request (the reconcile's deadline).
 */
export async function readAppCredentials(
  core: CoreV1Api,
  namespace: string,
  spec: XeroConnectionSpec,
  signal?: AbortSignal,
): Promise<XeroAppCredentials> {
  const ref = spec.credentialsSecretRef;
  let secret: V1Secret;
  try {
    secret = await core.readNamespacedSecret(
      { namespace, name: ref.name },
      signal && abortOptions(signal),
    );
  } catch (error) {
    if (isNotFound(error)) {
      throw xeroErrors.invalidSpec(
        `Secret ${namespace}/${ref.name} (spec.credentialsSecretRef)`,
        'does not exist',
      );
    }
    throw error;
  }
  return credentialsFromSecretRef(namespace, ref, secret.data);
}

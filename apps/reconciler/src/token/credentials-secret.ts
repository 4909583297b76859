import type { CoreV1Api } from '@kubernetes/client-node';
import type { XeroConnectionSpec } from '@xero-access/crd';
import {
  credentialsFromSecret,
  xeroErrors,
  type XeroAppCredentials,
} from '@xero-access/xero-client';
import { isNotFound } from '../kube/http-status.js';

/** The Xero app credentials from spec.credentialsSecretRef; InvalidSpec names the Secret and key. */
export async function readAppCredentials(
  core: CoreV1Api,
  namespace: string,
  spec: XeroConnectionSpec,
): Promise<XeroAppCredentials> {
  const ref = spec.credentialsSecretRef;
  try {
    const secret = await core.readNamespacedSecret({ namespace, name: ref.name });
    return credentialsFromSecret(
      `${namespace}/${ref.name} (spec.credentialsSecretRef)`,
      secret.data,
      {
        clientId: ref.clientIdKey ?? 'clientId',
        clientSecret: ref.clientSecretKey ?? 'clientSecret',
      },
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
}

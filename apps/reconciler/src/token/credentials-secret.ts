import type { CoreV1Api, V1Secret } from '@kubernetes/client-node';
import type { XeroConnectionSpec } from '@xero-access/crd';
import {
  credentialsFromSecret,
  xeroErrors,
  type XeroAppCredentials,
} from '@xero-access/xero-client';
import { isNotFound } from '../kube/http-status.js';

/** Client IDs and secrets are printable ASCII without spaces; binary junk or a bad paste is not one. */
const CREDENTIAL_TEXT = /^[\x21-\x7e]+$/;
/** Xero's client IDs have 32 characters and secrets 48; far longer is a wrong value, not a credential. */
export const MAX_CREDENTIAL_LENGTH = 1024;

/** The Xero app credentials from spec.credentialsSecretRef; InvalidSpec names the Secret and key. */
export async function readAppCredentials(
  core: CoreV1Api,
  namespace: string,
  spec: XeroConnectionSpec,
): Promise<XeroAppCredentials> {
  const ref = spec.credentialsSecretRef;
  let secret: V1Secret;
  try {
    secret = await core.readNamespacedSecret({ namespace, name: ref.name });
  } catch (error) {
    if (isNotFound(error)) {
      throw xeroErrors.invalidSpec(
        `Secret ${namespace}/${ref.name} (spec.credentialsSecretRef)`,
        'does not exist',
      );
    }
    throw error;
  }
  return parseAppCredentials(namespace, spec, secret);
}

/**
 * Reads and checks the credentials before they reach an HTTP header: a value no credential could
 * be is InvalidSpec naming the key (never the value), not a confusing answer from Xero later.
 */
export function parseAppCredentials(
  namespace: string,
  spec: XeroConnectionSpec,
  secret: V1Secret,
): XeroAppCredentials {
  const ref = spec.credentialsSecretRef;
  const what = `Secret ${namespace}/${ref.name} (spec.credentialsSecretRef)`;
  const keys = {
    clientId: ref.clientIdKey ?? 'clientId',
    clientSecret: ref.clientSecretKey ?? 'clientSecret',
  };
  const credentials = credentialsFromSecret(
    `${namespace}/${ref.name} (spec.credentialsSecretRef)`,
    secret.data,
    keys,
  );
  for (const field of ['clientId', 'clientSecret'] as const) {
    const value = credentials[field];
    const label = field === 'clientId' ? 'client ID' : 'client secret';
    if (value.length > MAX_CREDENTIAL_LENGTH) {
      throw xeroErrors.invalidSpec(
        what,
        `key ${keys[field]} holds ${value.length} characters, too many for a ${label} (at most ${MAX_CREDENTIAL_LENGTH}): paste the ${label} of the Xero app`,
      );
    }
    if (!CREDENTIAL_TEXT.test(value)) {
      throw xeroErrors.invalidSpec(
        what,
        `key ${keys[field]} does not hold a ${label} (it has characters no ${label} has, e.g. binary data or spaces): paste the ${label} of the Xero app as text`,
      );
    }
  }
  return credentials;
}

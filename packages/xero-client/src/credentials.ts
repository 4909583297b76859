import { xeroErrors } from './errors.js';
import { type XeroAppCredentials } from './config.js';

export interface SecretKeys {
  clientId: string;
  clientSecret: string;
}

/** Client IDs and secrets are printable ASCII without spaces; binary junk or a bad paste is not one. */
const CREDENTIAL_TEXT = /^[\x21-\x7e]+$/;
/** Xero's client IDs have 32 characters and secrets 48; far longer is a wrong value, not a credential. */
export const MAX_CREDENTIAL_LENGTH = 1024;

const LABELS: Record<keyof SecretKeys, string> = {
  clientId: 'client ID',
  clientSecret: 'client secret',
};

/**
 * Reads app credentials from a Kubernetes Secret's `data` (base64) and checks them before they
 * reach a header or a URL. Fails with InvalidSpec naming the Secret and the key when one is
 * missing, empty or malformed. The Secret may be one its referrer cannot read, so the message
 * says nothing more of a value (not its length, not what it looks like) and names no other key.
 */
export function credentialsFromSecret(
  secretName: string,
  data: Record<string, string> | undefined,
  keys: SecretKeys = { clientId: 'clientId', clientSecret: 'clientSecret' },
): XeroAppCredentials {
  if (!data) throw xeroErrors.invalidSpec(`Secret ${secretName}`, 'has no data');
  const read = (field: keyof SecretKeys): string => {
    const key = keys[field];
    const encoded = data[key];
    if (encoded === undefined)
      throw xeroErrors.invalidSpec(`Secret ${secretName}`, `key ${key} is missing`);
    const value = Buffer.from(encoded, 'base64').toString('utf8').trim();
    if (value === '') throw xeroErrors.invalidSpec(`Secret ${secretName}`, `key ${key} is empty`);
    if (value.length > MAX_CREDENTIAL_LENGTH || !CREDENTIAL_TEXT.test(value))
      throw xeroErrors.invalidSpec(
        `Secret ${secretName}`,
        `key ${key} is malformed (expected the ${LABELS[field]} of a Xero app: printable ASCII without spaces, at most ${MAX_CREDENTIAL_LENGTH} characters)`,
      );
    return value;
  };
  return { clientId: read('clientId'), clientSecret: read('clientSecret') };
}

/** A XeroConnection's spec.credentialsSecretRef: the Secret and, when not the defaults, its keys. */
export interface CredentialsSecretRef {
  name: string;
  clientIdKey?: string;
  clientSecretKey?: string;
}

/**
 * The app credentials of a XeroConnection's spec.credentialsSecretRef, as the reconciler and the
 * admin API both read them: credentialsFromSecret naming the Secret
 * `<namespace>/<name> (spec.credentialsSecretRef)`, with keys `clientId` and `clientSecret` unless
 * the reference names others.
 */
export function credentialsFromSecretRef(
  namespace: string,
  ref: CredentialsSecretRef,
  data: Record<string, string> | undefined,
): XeroAppCredentials {
  return credentialsFromSecret(`${namespace}/${ref.name} (spec.credentialsSecretRef)`, data, {
    clientId: ref.clientIdKey ?? 'clientId',
    clientSecret: ref.clientSecretKey ?? 'clientSecret',
  });
}

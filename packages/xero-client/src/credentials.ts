import { xeroErrors } from './errors.js';
import { type XeroAppCredentials } from './config.js';

export interface SecretKeys {
  clientId: string;
  clientSecret: string;
}

/**
 * Reads app credentials from a Kubernetes Secret's `data` (base64) and fails with InvalidSpec
 * naming the Secret and the key when one is missing or empty.
 */
export function credentialsFromSecret(
  secretName: string,
  data: Record<string, string> | undefined,
  keys: SecretKeys = { clientId: 'clientId', clientSecret: 'clientSecret' },
): XeroAppCredentials {
  if (!data) throw xeroErrors.invalidSpec(`Secret ${secretName}`, 'has no data');
  const read = (key: string): string => {
    const encoded = data[key];
    if (encoded === undefined)
      throw xeroErrors.invalidSpec(`Secret ${secretName}`, `key ${key} is missing`);
    const value = Buffer.from(encoded, 'base64').toString('utf8').trim();
    if (value === '') throw xeroErrors.invalidSpec(`Secret ${secretName}`, `key ${key} is empty`);
    return value;
  };
  return { clientId: read(keys.clientId), clientSecret: read(keys.clientSecret) };
}

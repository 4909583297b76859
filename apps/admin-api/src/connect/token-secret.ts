import type { CoreV1Api } from '@kubernetes/client-node';
import type { XeroTokenSet } from '@xero-access/xero-client';
import { isNotFound } from '../kube/kube.js';

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

/** The token Secret's keys (design.md: refresh_token, access_token, id_token, expires_at). */
export function tokenSecretData(tokens: XeroTokenSet): Record<string, string> {
  return {
    access_token: b64(tokens.accessToken),
    ...(tokens.refreshToken ? { refresh_token: b64(tokens.refreshToken) } : {}),
    ...(tokens.idToken ? { id_token: b64(tokens.idToken) } : {}),
    expires_at: b64(tokens.expiresAt.toISOString()),
    scope: b64(tokens.scopes.join(' ')),
  };
}

/** Writes the new token set into the Secret, replacing every token key; creates the Secret if missing. */
export async function writeTokenSecret(
  core: CoreV1Api,
  namespace: string,
  name: string,
  tokens: XeroTokenSet,
): Promise<void> {
  const data = tokenSecretData(tokens);
  try {
    const existing = await core.readNamespacedSecret({ namespace, name });
    const kept = { ...(existing.data ?? {}) };
    // A pre-filled token set from an earlier consent must not survive next to the new one.
    for (const key of ['access_token', 'refresh_token', 'id_token', 'expires_at', 'scope'])
      delete kept[key];
    await core.replaceNamespacedSecret({
      namespace,
      name,
      body: { ...existing, data: { ...kept, ...data } },
    });
  } catch (error) {
    if (!isNotFound(error)) throw error;
    await core.createNamespacedSecret({
      namespace,
      body: {
        metadata: {
          name,
          namespace,
          labels: { 'app.kubernetes.io/managed-by': 'xero-access-operator' },
        },
        type: 'Opaque',
        data,
      },
    });
  }
}

import type { CoreV1Api, V1Secret } from '@kubernetes/client-node';
import type { HttpException } from '@nestjs/common';
import { TOKEN_SECRET_KEYS, type XeroTokenSet } from '@xero-access/xero-client';
import { badGateway, unavailable } from '../http/errors.js';
import { isConflict, isNotFound, kubeStatusOf } from '../kube/kube.js';

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

const KEYS = TOKEN_SECRET_KEYS;

/** The token Secret's data for a token set (design.md), with the scopes the consent granted. */
export function tokenSecretData(tokens: XeroTokenSet): Record<string, string> {
  return {
    [KEYS.accessToken]: b64(tokens.accessToken),
    ...(tokens.refreshToken ? { [KEYS.refreshToken]: b64(tokens.refreshToken) } : {}),
    ...(tokens.idToken ? { [KEYS.idToken]: b64(tokens.idToken) } : {}),
    [KEYS.expiresAt]: b64(tokens.expiresAt.toISOString()),
    [KEYS.scope]: b64(tokens.scopes.join(' ')),
  };
}

/** Enough for a few concurrent writers (the reconciler's write-back, another replica). */
const WRITE_ATTEMPTS = 5;

/**
 * Pauses before each new try while the Kubernetes API is unreachable or failing (5xx, 429): the
 * code is already spent, so the tokens are held while the person waits (about 15 s in all)
 * rather than dropped at the first failure.
 */
export const OUTAGE_PAUSES_MS = [250, 500, 1000, 2000, 4000, 8000];

/** No answer at all, overload, or a server error: worth another try. 4xx answers will not change. */
function isTransient(error: unknown): boolean {
  const status = kubeStatusOf(error);
  return status === undefined || status === 429 || status >= 500;
}

/**
 * Writes the new token set into the Secret, replacing every token key; creates the Secret if
 * missing. A concurrent change (409, or the Secret deleted under us) is read again and written
 * over: this consent is newer than any rotation of the earlier grant the reconciler may write back.
 * A Kubernetes API that is unreachable or failing is tried again after each of `pauses`.
 */
export async function writeTokenSecret(
  core: CoreV1Api,
  namespace: string,
  name: string,
  tokens: XeroTokenSet,
  pauses: readonly number[] = OUTAGE_PAUSES_MS,
  onRetry?: (error: unknown, pauseMs: number) => void,
): Promise<void> {
  const data = tokenSecretData(tokens);
  let races = 0;
  let outages = 0;
  for (;;) {
    try {
      return await writeOnce(core, namespace, name, data);
    } catch (error) {
      if ((isConflict(error) || isNotFound(error)) && ++races < WRITE_ATTEMPTS) continue;
      const pause = pauses[outages];
      if (!isTransient(error) || pause === undefined) throw error;
      outages += 1;
      onRetry?.(error, pause);
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}

async function writeOnce(
  core: CoreV1Api,
  namespace: string,
  name: string,
  data: Record<string, string>,
): Promise<void> {
  let existing: V1Secret;
  try {
    existing = await core.readNamespacedSecret({ namespace, name });
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
    return;
  }
  const kept = { ...(existing.data ?? {}) };
  // A pre-filled token set from an earlier consent must not survive next to the new one, nor the
  // organisation it named (`tenant_id`): this consent may be for another one, which the old key
  // would pin the reconciler away from. `spec.tenantId` is how to pin an organisation.
  for (const key of Object.values(KEYS)) delete kept[key];
  // The replace carries the resourceVersion just read: a change since then is a 409, not lost.
  await core.replaceNamespacedSecret({
    namespace,
    name,
    body: { ...existing, data: { ...kept, ...data } },
  });
}

/**
 * The answer when the token set could not be stored: the code is spent, so the person must start
 * again. Names the Secret and the Kubernetes status, never a value.
 */
export function tokenSecretWriteFailure(
  error: unknown,
  namespace: string,
  name: string,
): HttpException {
  const status = kubeStatusOf(error);
  const what = `could not store the new Xero token set in Secret ${namespace}/${name}`;
  if (status === undefined)
    return unavailable(
      `${what}: the Kubernetes API stayed unreachable while the tokens were held; start the connection again once it is back`,
    );
  return badGateway(
    `${what}: the Kubernetes API answered HTTP ${status}; start the connection again`,
  );
}

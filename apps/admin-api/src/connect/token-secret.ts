import type { CoreV1Api, V1Secret } from '@kubernetes/client-node';
import type { HttpException } from '@nestjs/common';
import {
  REFRESH_TOKEN_SHA256_ANNOTATION,
  TOKEN_SECRET_KEYS,
  withRefreshTokenSha256,
  type XeroTokenSet,
} from '@xero-access/xero-client';
import { badGateway, conflict, unavailable } from '../http/errors.js';
import { isConflict, isNotFound, kubeStatusOf } from '../kube/kube.js';
import { kubeFailureException, kubeFailureOf } from '../kube/kube-failure.js';

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
 * Writes the new token set into the Secret, replacing every token key; creates the Secret if
 * missing. A concurrent change (409, or the Secret deleted under us) is read again and written
 * over: this consent is newer than any rotation of the earlier grant the reconciler may write back.
 * Any other failure is thrown: the caller holds the tokens and tries again (TokenSetWriter).
 */
export async function writeTokenSecret(
  core: CoreV1Api,
  namespace: string,
  name: string,
  tokens: XeroTokenSet,
): Promise<void> {
  const data = tokenSecretData(tokens);
  await againOnRaces(() => createOrReplace(core, namespace, name, data, false));
}

/** Runs `attempt` again while it meets a concurrent change (409, or the Secret deleted under it). */
async function againOnRaces(attempt: () => Promise<void>): Promise<void> {
  for (let races = 1; ; races++) {
    try {
      return await attempt();
    } catch (error) {
      if ((isConflict(error) || isNotFound(error)) && races < WRITE_ATTEMPTS) continue;
      throw error;
    }
  }
}

/** A token Secret that does not exist yet, holding `data`. */
function newTokenSecret(namespace: string, name: string, data: Record<string, string>): V1Secret {
  return {
    metadata: {
      name,
      namespace,
      labels: { 'app.kubernetes.io/managed-by': 'xero-access-operator' },
      annotations: withRefreshTokenSha256(undefined, data),
    },
    type: 'Opaque',
    data,
  };
}

/**
 * Reads the Secret, then creates it holding `data` when missing, else replaces its token keys with
 * `data`. `dryRun`: the API server only checks that write, and the replace sends the Secret as it
 * is, so even a server ignoring `dryRun` would change no token.
 */
async function createOrReplace(
  core: CoreV1Api,
  namespace: string,
  name: string,
  data: Record<string, string>,
  dryRun: boolean,
): Promise<void> {
  const dryRunAll = dryRun ? 'All' : undefined;
  let existing: V1Secret;
  try {
    existing = await core.readNamespacedSecret({ namespace, name });
  } catch (error) {
    if (!isNotFound(error)) throw error;
    await core.createNamespacedSecret({
      namespace,
      body: newTokenSecret(namespace, name, data),
      dryRun: dryRunAll,
    });
    return;
  }
  // Whoever may edit the XeroConnection may name any Secret here, one they cannot write included.
  if (dryRun && !mayHoldTokenSet(existing))
    throw conflict(
      `Secret ${namespace}/${name} (spec.tokenSecretRef) holds other data and no Xero token set, so the consent does not write into it: set spec.tokenSecretRef to a Secret that does not exist yet (the admin API creates it) or to the connection's token Secret, then reload this page`,
    );
  // The dry run of an unchanged immutable Secret would pass.
  if (dryRun && existing.immutable)
    throw conflict(
      `token Secret ${namespace}/${name} (spec.tokenSecretRef) is immutable, so no token set can be written into it: recreate it without \`immutable\` (e.g. kubectl replace --force), then reload this page`,
    );
  // The replace carries the resourceVersion just read: a change since then is a 409, not lost.
  await core.replaceNamespacedSecret({
    namespace,
    name,
    body: dryRun ? existing : withTokens(existing, data),
    dryRun: dryRunAll,
  });
}

/**
 * Whether a consent may write a token set into `existing`: it holds no data, or it is a token
 * Secret already (a token key, or the digest annotation every writer of a token set leaves).
 */
export function mayHoldTokenSet(existing: V1Secret): boolean {
  const keys = Object.keys(existing.data ?? {});
  if (keys.length === 0) return true;
  if (existing.metadata?.annotations?.[REFRESH_TOKEN_SHA256_ANNOTATION] !== undefined) return true;
  const tokenKeys: readonly string[] = Object.values(KEYS);
  return keys.some((key) => tokenKeys.includes(key));
}

/** `existing` with every token key replaced by `data`, and the refresh token's digest. */
function withTokens(existing: V1Secret, data: Record<string, string>): V1Secret {
  const kept = { ...(existing.data ?? {}) };
  // A pre-filled token set from an earlier consent must not survive next to the new one, nor the
  // organisation it named (`tenant_id`): this consent may be for another one, which the old key
  // would pin the reconciler away from. `spec.tenantId` is how to pin an organisation.
  for (const key of Object.values(KEYS)) delete kept[key];
  const written = { ...kept, ...data };
  // The digest tells the reconciler this refresh token is a consent's, not an overwrite.
  return {
    ...existing,
    metadata: {
      ...existing.metadata,
      annotations: withRefreshTokenSha256(existing.metadata?.annotations, written),
    },
    data: written,
  };
}

/**
 * Proves, before the authorization code is spent, that this API can write the token Secret now:
 * has the API server dry-run the write the callback will make (create when missing, else replace),
 * so reachability, RBAC, admission policies and quota answer while the person can still simply
 * retry. Nothing is stored: the dry run sends an empty Secret, or the Secret as it is. Throws the
 * Kubernetes error, or a 409 for an immutable Secret or one holding other data (mayHoldTokenSet).
 */
export async function preflightTokenSecret(
  core: CoreV1Api,
  namespace: string,
  name: string,
): Promise<void> {
  await againOnRaces(() => createOrReplace(core, namespace, name, {}, true));
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

/**
 * The answer when the Kubernetes API failed before the code was exchanged (kubeFailureOf): nothing
 * is spent (the state neither), so the person reloads the callback while Xero's code lives (5
 * minutes). `what` names what could not be done; the answer names the Kubernetes status, never a
 * value. An error that is not the API server's is returned as it is.
 */
export function beforeExchangeFailure(error: unknown, what: string): unknown {
  const failure = kubeFailureOf(error, 'is unreachable');
  if (!failure) return error;
  const retry =
    "Xero's authorization code was not used: reload this page to try again within 5 minutes of consenting, else start the connection again";
  return kubeFailureException(failure, `${what}: the Kubernetes API ${failure.problem}. ${retry}`);
}

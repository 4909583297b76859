import type { CoreV1Api, V1Secret } from '@kubernetes/client-node';
import { TENANT_ID_PATTERN, abortOptions } from '@xero-access/crd';
import {
  REFRESH_TOKEN_SHA256_ANNOTATION,
  refreshTokenSha256,
  TOKEN_SECRET_KEYS,
  withRefreshTokenSha256,
  xeroErrors,
  type XeroTokenSet,
} from '@xero-access/xero-client';
import { isConflict, isNotFound } from '../kube/http-status.js';

export const ROTATED_AT_ANNOTATION = 'xeroaccess.dev/refresh-token-rotated-at';

export interface StoredTokens {
  secretName: string;
  refreshToken: string;
  accessToken: string | null;
  expiresAt: Date | null;
  rotatedAt: Date | null;
  /** The pre-filled (Mage-style) tenant_id: the one organisation to monitor when spec.tenantId is unset. */
  tenantId: string | null;
  /**
   * The Secret names, by its digest, the refresh token of the last token set the operator or a
   * consent wrote, and holds another one: something else wrote it (see overwritten-token-secret.ts).
   */
  overwritten: boolean;
  /** For writes with optimistic concurrency. */
  resourceVersion: string;
}

const decode = (data: Record<string, string> | undefined, key: string): string | null => {
  const value = data?.[key];
  if (value === undefined) return null;
  const text = Buffer.from(value, 'base64').toString('utf8').trim();
  return text === '' ? null : text;
};

/** OAuth tokens are printable ASCII without spaces; anything else (binary junk, a bad paste) is not one. */
const TOKEN_TEXT = /^[\x21-\x7e]+$/;

const TENANT_ID = new RegExp(TENANT_ID_PATTERN);

/**
 * How long an access token Xero issues lasts (its `expires_in`, 1800 s): no `expires_at` is
 * believed further ahead than this.
 */
export const XERO_ACCESS_TOKEN_LIFETIME_MS = 30 * 60_000;

/** All digits above this are Unix milliseconds (in seconds it would be past the year 5138). */
const UNIX_MILLISECONDS_ABOVE = 1e11;

/**
 * Accepts ISO-8601, Unix seconds or Unix milliseconds (what token tools commonly write). An expiry
 * further ahead than `now` + XERO_ACCESS_TOKEN_LIFETIME_MS (a unit mistaken, a clock that was
 * ahead) is not believed at all, so the next use refreshes and the write-back stores a real one.
 * Not capped at that bound: the cap moves with every read, so the cached access token would stay
 * in use and a suspended connection's keep-alive never refresh, its refresh token lapsing unused
 * after 60 days.
 */
function parseExpiresAt(text: string | null, now: Date): Date | null {
  if (!text) return null;
  const digits = /^\d+$/.test(text) ? Number(text) : undefined;
  const date =
    digits === undefined
      ? new Date(text)
      : new Date(digits > UNIX_MILLISECONDS_ABOVE ? digits : digits * 1000);
  if (Number.isNaN(date.getTime())) return null;
  return date.getTime() > now.getTime() + XERO_ACCESS_TOKEN_LIFETIME_MS ? null : date;
}

/** How messages name the token Secret. */
export function describeTokenSecret(namespace: string, name: string): string {
  return `Secret ${namespace}/${name} (spec.tokenSecretRef)`;
}

export function parseTokenSecret(
  namespace: string,
  secret: V1Secret,
  now = new Date(),
): StoredTokens {
  const name = secret.metadata?.name ?? '';
  // Refused before any refresh: Xero would rotate the refresh token and the write-back of the
  // new one would fail (422), so the grant would be lost when Xero's grace period for the old one ends.
  if (secret.immutable) {
    throw xeroErrors.invalidSpec(
      describeTokenSecret(namespace, name),
      'is immutable, so the operator could not write the rotated tokens back; its refresh token has not been used. Recreate the Secret with the same keys and without immutable: true (an immutable Secret cannot be changed, only deleted and created again)',
    );
  }
  const refreshToken = decode(secret.data, TOKEN_SECRET_KEYS.refreshToken);
  if (!refreshToken) {
    throw xeroErrors.invalidSpec(
      describeTokenSecret(namespace, name),
      `key ${TOKEN_SECRET_KEYS.refreshToken} is missing or empty: complete the consent (authorize) or pre-fill it with an existing token set`,
    );
  }
  if (!TOKEN_TEXT.test(refreshToken)) {
    throw xeroErrors.invalidSpec(
      describeTokenSecret(namespace, name),
      `key ${TOKEN_SECRET_KEYS.refreshToken} is malformed (expected a refresh token: printable ASCII without spaces): pre-fill it with the refresh token as text, or consent again`,
    );
  }
  const tenantId = decode(secret.data, TOKEN_SECRET_KEYS.tenantId);
  // Not echoed: a value that is no tenant ID may be a token pasted under the wrong key.
  if (tenantId && !TENANT_ID.test(tenantId)) {
    throw xeroErrors.invalidSpec(
      describeTokenSecret(namespace, name),
      `key ${TOKEN_SECRET_KEYS.tenantId} does not hold a Xero tenant ID (a GUID such as 7a3e5f52-4b51-4c6a-9d1e-0f5b2c3a8e01): put the organisation's tenant ID there, or remove the key to monitor every organisation of the grant`,
    );
  }
  const accessToken = decode(secret.data, TOKEN_SECRET_KEYS.accessToken);
  const rotated = secret.metadata?.annotations?.[ROTATED_AT_ANNOTATION];
  const written = secret.metadata?.annotations?.[REFRESH_TOKEN_SHA256_ANNOTATION];
  return {
    secretName: name,
    refreshToken,
    // A malformed access token is only a cache: drop it and refresh.
    accessToken: accessToken && TOKEN_TEXT.test(accessToken) ? accessToken : null,
    expiresAt: parseExpiresAt(decode(secret.data, TOKEN_SECRET_KEYS.expiresAt), now),
    rotatedAt: rotated ? new Date(rotated) : null,
    tenantId,
    overwritten: written !== undefined && written !== refreshTokenSha256(refreshToken),
    resourceVersion: secret.metadata?.resourceVersion ?? '',
  };
}

/** The token Secret, parsed. `signal` aborts the request (the reconcile's deadline). */
export async function readTokenSecret(
  core: CoreV1Api,
  namespace: string,
  name: string,
  signal?: AbortSignal,
): Promise<{ secret: V1Secret; tokens: StoredTokens }> {
  try {
    const secret = await core.readNamespacedSecret(
      { namespace, name },
      signal && abortOptions(signal),
    );
    return { secret, tokens: parseTokenSecret(namespace, secret) };
  } catch (error) {
    if (isNotFound(error)) {
      throw xeroErrors.invalidSpec(
        describeTokenSecret(namespace, name),
        'does not exist: complete the consent (authorize) to create it',
      );
    }
    throw error;
  }
}

function withTokens(secret: V1Secret, tokens: XeroTokenSet, rotatedAt: Date): V1Secret {
  const encode = (text: string): string => Buffer.from(text, 'utf8').toString('base64');
  const data = { ...(secret.data ?? {}) };
  data[TOKEN_SECRET_KEYS.accessToken] = encode(tokens.accessToken);
  if (tokens.refreshToken) data[TOKEN_SECRET_KEYS.refreshToken] = encode(tokens.refreshToken);
  if (tokens.idToken) data[TOKEN_SECRET_KEYS.idToken] = encode(tokens.idToken);
  data[TOKEN_SECRET_KEYS.expiresAt] = encode(tokens.expiresAt.toISOString());
  return {
    ...secret,
    metadata: {
      ...secret.metadata,
      annotations: withRefreshTokenSha256(
        { ...secret.metadata?.annotations, [ROTATED_AT_ANNOTATION]: rotatedAt.toISOString() },
        data,
      ),
    },
    data,
  };
}

/** What a write that lost a race (409) does, from the refresh tokens involved. */
export type ConflictAction = 'write' | 'already-written' | 'superseded';

/**
 * `current` is the refresh token the Secret holds now, `spent` the one we refreshed with,
 * `rotated` the one Xero gave us for it. A token that is neither was written by someone else
 * after our read: a new consent through the admin API, newer than our rotation of the old grant.
 */
export function conflictAction(
  current: string | null,
  spent: string,
  rotated: string | null,
): ConflictAction {
  if (rotated && current === rotated) return 'already-written';
  if (current === null || current === spent) return 'write';
  return 'superseded';
}

export interface PersistOutcome {
  secret: V1Secret;
  /** A newer token set was in the Secret and was left alone (`secret` is as read). */
  superseded: boolean;
}

/**
 * How long writing a rotated token set back may take, re-reads after a conflict included. A budget
 * of its own, cut neither by the sync's deadline nor by fencing: Xero has spent the old refresh
 * token, and only this write keeps the grant. Bounded all the same, so that an API server that does
 * not answer cannot hold a worker for good; a write-back given up on can still be made good for 30
 * minutes, as Xero answers the spent token with the same set (its grace period) to the retry.
 * Shorter than the refresh lock (REFRESH_LOCK_TTL, 30 s), which it runs under.
 */
export const WRITE_BACK_TIMEOUT_MS = 20_000;

/**
 * Writes a rotated token set into the token Secret. The replace carries the resourceVersion we
 * read, so a concurrent writer makes it fail (409) instead of being overwritten; on conflict we
 * re-read and decide with conflictAction: write again, keep the same rotation another writer stored,
 * or leave a newer token set alone. Within WRITE_BACK_TIMEOUT_MS.
 */
export async function persistTokenSet(
  core: CoreV1Api,
  namespace: string,
  secret: V1Secret,
  spentRefreshToken: string,
  tokens: XeroTokenSet,
  now = new Date(),
): Promise<PersistOutcome> {
  const budget = abortOptions(AbortSignal.timeout(WRITE_BACK_TIMEOUT_MS));
  let current = secret;
  for (let attempt = 0; ; attempt += 1) {
    try {
      const written = await core.replaceNamespacedSecret(
        { namespace, name: current.metadata!.name!, body: withTokens(current, tokens, now) },
        budget,
      );
      return { secret: written, superseded: false };
    } catch (error) {
      if (!isConflict(error) || attempt >= 4) throw error;
      current = await core.readNamespacedSecret(
        { namespace, name: current.metadata!.name! },
        budget,
      );
      const action = conflictAction(
        decode(current.data, TOKEN_SECRET_KEYS.refreshToken),
        spentRefreshToken,
        tokens.refreshToken,
      );
      if (action !== 'write') return { secret: current, superseded: action === 'superseded' };
    }
  }
}

import type { CoreV1Api, V1Secret } from '@kubernetes/client-node';
import { abortOptions } from '@xero-access/crd';
import { xeroErrors } from '@xero-access/xero-client';
import { describeKubeError, httpStatusOf, isConflict, isNotFound } from '../kube/http-status.js';
import { describeTokenSecret, XERO_ACCESS_TOKEN_LIFETIME_MS } from './token-secret.js';

/** The condition reason (on `Authenticated`) when the token Secret cannot take a rotated token set. */
export const TOKEN_SECRET_NOT_WRITABLE = 'TokenSecretNotWritable';

/**
 * How long Xero answers a spent refresh token with the token set its first use produced (its grace
 * period, 30 minutes, as long as an access token lives): a write-back that failed can be made good
 * by a retry within it.
 */
export const XERO_REFRESH_GRACE_MS = XERO_ACCESS_TOKEN_LIFETIME_MS;

/**
 * The token Secret cannot take the rotated token set: refused before the refresh token was spent
 * (the dry run), or the write-back of a set Xero has issued failed (`spentAt`).
 */
export class TokenSecretNotWritableError extends Error {
  override readonly name = 'TokenSecretNotWritableError';
  readonly reason = TOKEN_SECRET_NOT_WRITABLE;

  constructor(
    message: string,
    /** Retrying without a person's help may succeed (the API server did not answer, or said 5xx). */
    readonly transient: boolean,
    /** When the refresh token was spent for a set that is not stored; absent: it is unspent. */
    readonly spentAt?: Date,
  ) {
    super(message);
  }

  /** Until when Xero answers the spent refresh token with the set not stored (its grace period). */
  get graceEndsAt(): Date | undefined {
    return this.spentAt && new Date(this.spentAt.getTime() + XERO_REFRESH_GRACE_MS);
  }
}

export function isTokenSecretNotWritable(error: unknown): error is TokenSecretNotWritableError {
  return error instanceof TokenSecretNotWritableError;
}

/** 4xx answers no retry changes by itself: RBAC, an admission policy, validation. */
function isRefusal(status: number | undefined): boolean {
  return (
    status !== undefined &&
    status >= 400 &&
    status < 500 &&
    status !== 404 &&
    status !== 408 &&
    status !== 409 &&
    status !== 429
  );
}

/** Who refused the write, from the API server's answer, and what to change. */
function whoRefused(error: unknown): string {
  const answer = describeKubeError(error);
  if (/admission|denied the request|denied request/i.test(answer))
    return 'an admission policy or webhook (a ValidatingAdmissionPolicy, Kyverno, Gatekeeper …; the answer names it) denied the update: exempt this Secret, or the reconciler, from it';
  if (httpStatusOf(error) === 403)
    return "the reconciler's RBAC lacks update on secrets in this namespace: reinstall the chart (its Role grants get, list, watch and update on secrets) and check that watchNamespaces lists this namespace";
  return 'the API server refused the update: the answer says why';
}

const at = (date: Date): string => date.toISOString();

/**
 * Has the API server dry-run (`dryRun: All`) the replace the write-back makes, before the refresh
 * token is spent: RBAC, admission policies (ValidatingAdmissionPolicy, Kyverno, Gatekeeper) and
 * validation answer while the token is still unspent. The dry run sends the Secret as read, so
 * even a server that ignored `dryRun` would change nothing (an immutable Secret would pass it: that
 * is refused when read, see parseTokenSecret). One API call per refresh.
 *
 * 'changed': the Secret changed since it was read (409), so the answer says nothing about
 * admission; read it again. A refusal throws TokenSecretNotWritableError (`unsavedSince`: when an
 * earlier refresh spent this refresh token for a set that could not be stored), a Secret deleted
 * meanwhile InvalidSpec; any other failure (unreachable, 5xx) is thrown as it is: in each case the
 * refresh token is left unspent.
 */
export async function preflightWriteBack(
  core: CoreV1Api,
  namespace: string,
  secret: V1Secret,
  signal: AbortSignal | undefined,
  unsavedSince?: Date,
): Promise<'writable' | 'changed'> {
  const name = secret.metadata!.name!;
  try {
    await core.replaceNamespacedSecret(
      { namespace, name, body: secret, dryRun: 'All' },
      signal && abortOptions(signal),
    );
    return 'writable';
  } catch (error) {
    if (isConflict(error)) return 'changed';
    if (isNotFound(error))
      throw xeroErrors.invalidSpec(
        describeTokenSecret(namespace, name),
        'does not exist: complete the consent (authorize) to create it',
      );
    if (!isRefusal(httpStatusOf(error))) throw error;
    const spent = unsavedSince
      ? `Its refresh token was spent at ${at(unsavedSince)} for a rotated token set that could not be stored; Xero answers it with that set until ${at(new Date(unsavedSince.getTime() + XERO_REFRESH_GRACE_MS))} (its grace period): allow the update before then and the next retry stores it, else a person must consent again.`
      : 'Its refresh token has not been used and stays valid: once the update is allowed, the next retry refreshes and stores the rotated set, with no new consent.';
    throw new TokenSecretNotWritableError(
      `${describeTokenSecret(namespace, name)}: the reconciler may not write the rotated tokens into it, so it did not refresh: ` +
        `a dry run of the write-back was refused (${describeKubeError(error)}); ${whoRefused(error)}. ${spent}`,
      false,
      unsavedSince,
    );
  }
}

/**
 * The write-back of a token set Xero has issued failed (after a successful dry run: the rights or a
 * policy changed meanwhile, or the API server did not answer). Says that the set is not stored and
 * that Xero hands the same set out again for 30 minutes, so fixing the cause within them loses nothing.
 */
export function writeBackFailed(
  error: unknown,
  namespace: string,
  name: string,
  spentAt: Date,
): TokenSecretNotWritableError {
  const status = httpStatusOf(error);
  const refused = isRefusal(status);
  const cause = refused ? `; ${whoRefused(error)}` : '';
  return new TokenSecretNotWritableError(
    `Xero rotated the refresh token, but the rotated token set could not be stored in ${describeTokenSecret(namespace, name)} ` +
      `(the Kubernetes API answered ${describeKubeError(error)}${cause}). ` +
      `Xero answers the spent refresh token with the same set until ${at(new Date(spentAt.getTime() + XERO_REFRESH_GRACE_MS))} ` +
      '(its 30-minute grace period), and each retry asks for it again: fix the cause before then and nothing is lost; after that a person must consent again.',
    !refused,
    spentAt,
  );
}

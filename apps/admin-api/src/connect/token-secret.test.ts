import { ApiException, type CoreV1Api } from '@kubernetes/client-node';
import type { XeroTokenSet } from '@xero-access/xero-client';
import { describe, expect, it } from 'vitest';
import { toErrorBody } from '../http/error-body.js';
import { tokenSecretWriteFailure, writeTokenSecret } from './token-secret.js';

describe('tokenSecretWriteFailure (the token set could not be stored)', () => {
  it('answers 502 naming the Secret and the status when Kubernetes refused the write', () => {
    const refused = new ApiException(403, 'Forbidden', '{"reason":"Forbidden"}', {});
    expect(toErrorBody(tokenSecretWriteFailure(refused, 'finance', 'acme-xero-tokens'))).toEqual({
      statusCode: 502,
      error: 'Bad Gateway',
      message:
        'could not store the new Xero token set in Secret finance/acme-xero-tokens: the Kubernetes API answered HTTP 403; start the connection again',
    });
  });

  it('answers 503 when the Kubernetes API could not be reached', () => {
    const unreachable = new TypeError('fetch failed', {
      cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6443'), {
        code: 'ECONNREFUSED',
      }),
    });
    expect(
      toErrorBody(tokenSecretWriteFailure(unreachable, 'finance', 'acme-xero-tokens')),
    ).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message:
        'could not store the new Xero token set in Secret finance/acme-xero-tokens: the Kubernetes API stayed unreachable while the tokens were held; start the connection again once it is back',
    });
  });
});

describe('writeTokenSecret when the Kubernetes API fails', () => {
  const tokens = {
    accessToken: 'access',
    refreshToken: 'refresh',
    idToken: null,
    expiresAt: new Date('2026-12-06T00:30:00Z'),
    scopes: ['offline_access'],
  } as unknown as XeroTokenSet;
  /** A CoreV1Api whose every call fails with `error`, counting the calls. */
  function failingCore(error: unknown) {
    const calls = { reads: 0 };
    const core = {
      readNamespacedSecret: async () => {
        calls.reads += 1;
        throw error;
      },
    } as unknown as CoreV1Api;
    return { core, calls };
  }

  it('tries again after each pause while the API is unreachable, then gives up with its error', async () => {
    const unreachable = new TypeError('fetch failed');
    const { core, calls } = failingCore(unreachable);
    const pauses: number[] = [];
    await expect(
      writeTokenSecret(core, 'finance', 'acme-xero-tokens', tokens, [1, 2, 3], (_, pause) =>
        pauses.push(pause),
      ),
    ).rejects.toBe(unreachable);
    expect(calls.reads).toBe(4);
    expect(pauses).toEqual([1, 2, 3]);
  });

  it('tries a 5xx or 429 again, but not an answer that will not change (403)', async () => {
    for (const [status, reads] of [
      [503, 3],
      [429, 3],
      [403, 1],
    ] as const) {
      const { core, calls } = failingCore(new ApiException(status, 'refused', '{}', {}));
      await expect(
        writeTokenSecret(core, 'finance', 'acme-xero-tokens', tokens, [1, 1]),
      ).rejects.toBeInstanceOf(ApiException);
      expect(calls.reads, `HTTP ${status}`).toBe(reads);
    }
  });
});

import { ApiException, type V1Secret } from '@kubernetes/client-node';
import { REFRESH_TOKEN_SHA256_ANNOTATION } from '@xero-access/xero-client';
import { describe, expect, it } from 'vitest';
import { toErrorBody } from '../http/error-body.js';
import { beforeExchangeFailure, mayHoldTokenSet, tokenSecretWriteFailure } from './token-secret.js';

describe('mayHoldTokenSet (which Secret a consent may write its token set into)', () => {
  const secret = (
    data?: Record<string, string>,
    annotations?: Record<string, string>,
  ): V1Secret => ({
    metadata: { name: 'acme-xero-tokens', ...(annotations ? { annotations } : {}) },
    ...(data ? { data } : {}),
  });

  it('takes a Secret without data, or one that holds a token set already', () => {
    expect(mayHoldTokenSet(secret())).toBe(true);
    expect(mayHoldTokenSet(secret({}))).toBe(true);
    expect(mayHoldTokenSet(secret({ refresh_token: 'cnQ=' }))).toBe(true);
    // A consent that granted no refresh token (no offline_access), and a pre-filled set's extras.
    expect(mayHoldTokenSet(secret({ access_token: 'YXQ=', expires_at: 'MQ==' }))).toBe(true);
    expect(mayHoldTokenSet(secret({ refresh_token: 'cnQ=', note: 'eA==' }))).toBe(true);
    expect(
      mayHoldTokenSet(secret({ other: 'eA==' }, { [REFRESH_TOKEN_SHA256_ANNOTATION]: 'ab12' })),
    ).toBe(true);
  });

  it('refuses a Secret that holds other data and no token key', () => {
    expect(mayHoldTokenSet(secret({ username: 'YQ==', password: 'cA==' }))).toBe(false);
    expect(mayHoldTokenSet(secret({ 'tls.crt': 'Yw==', 'tls.key': 'aw==' }))).toBe(false);
    expect(mayHoldTokenSet(secret({ password: 'cA==' }, { 'example.com/owner': 'billing' }))).toBe(
      false,
    );
  });
});

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

describe('beforeExchangeFailure (Kubernetes failed before the code was spent)', () => {
  const what = 'cannot write the token Secret finance/acme-xero-tokens';
  const unused =
    "Xero's authorization code was not used: reload this page to try again within 5 minutes of consenting, else start the connection again";

  it('answers 503 while the Kubernetes API is unreachable, overloaded or failing', () => {
    const unreachable = new TypeError('fetch failed');
    expect(toErrorBody(beforeExchangeFailure(unreachable, what))).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: `${what}: the Kubernetes API is unreachable. ${unused}`,
    });
    for (const status of [429, 500, 503])
      expect(
        toErrorBody(beforeExchangeFailure(new ApiException(status, 'x', '{}', {}), what)),
      ).toMatchObject({
        statusCode: 503,
        message: `${what}: the Kubernetes API answered HTTP ${status}. ${unused}`,
      });
  });

  it('answers 502 naming the status when the Kubernetes API refuses, pointing at permissions for 403', () => {
    const forbidden = new ApiException(403, 'Forbidden', '{"reason":"Forbidden"}', {});
    expect(toErrorBody(beforeExchangeFailure(forbidden, what))).toEqual({
      statusCode: 502,
      error: 'Bad Gateway',
      message: `${what}: the Kubernetes API answered HTTP 403 (see the admin API's permissions). ${unused}`,
    });
    const invalid = new ApiException(422, 'Invalid', '{}', {});
    expect(toErrorBody(beforeExchangeFailure(invalid, what)).message).toBe(
      `${what}: the Kubernetes API answered HTTP 422. ${unused}`,
    );
  });

  it('answers 502 for a 404 the step did not answer itself (the namespace gone)', () => {
    const gone = new ApiException(404, 'Not Found', '{}', {});
    expect(toErrorBody(beforeExchangeFailure(gone, what))).toMatchObject({
      statusCode: 502,
      message: `${what}: the Kubernetes API answered HTTP 404. ${unused}`,
    });
  });

  it("returns an error that is not the API server's as it is, not as Kubernetes unreachable", () => {
    for (const error of [new TypeError('x is undefined'), new Error('boom')])
      expect(beforeExchangeFailure(error, what)).toBe(error);
  });
});

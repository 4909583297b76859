import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { toErrorBody } from '../http/error-body.js';
import { tokenSecretWriteFailure } from './token-secret.js';

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
        'could not store the new Xero token set in Secret finance/acme-xero-tokens: the Kubernetes API is unreachable; start the connection again once it is back',
    });
  });
});

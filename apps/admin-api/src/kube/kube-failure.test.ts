import { ApiException } from '@kubernetes/client-node';
import { HttpException } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { kubeProblemOf } from './kube.js';
import { kubeFailuresAsHttp } from './kube-failure.js';

const kube = { problemOf: (error: unknown) => kubeProblemOf(error, 2_000) };
const failing = (error: unknown) => () => Promise.reject(error);

describe('kubeFailuresAsHttp (what a request answers when its Kubernetes calls fail)', () => {
  it('answers 503 naming what could not be done and why, when the API server is silent', async () => {
    const aborted = Object.assign(new Error('The operation was aborted.'), { name: 'AbortError' });
    const refusal = await kubeFailuresAsHttp(kube, 'could not read X', failing(aborted)).catch(
      (e: unknown) => e,
    );
    expect(refusal).toBeInstanceOf(HttpException);
    expect((refusal as HttpException).getStatus()).toBe(503);
    expect((refusal as HttpException).getResponse()).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message:
        'could not read X: the Kubernetes API is unreachable (no answer within 2 s); retry in 2 s',
    });
  });

  it('answers 503 when the API server cannot be reached', async () => {
    const refused = Object.assign(new Error('request to https://10.0.0.1/api failed'), {
      name: 'FetchError',
      code: 'ECONNREFUSED',
    });
    const refusal = await kubeFailuresAsHttp(kube, 'could not read X', failing(refused)).catch(
      (e: unknown) => e as HttpException,
    );
    expect(refusal.getResponse()).toMatchObject({
      message: 'could not read X: the Kubernetes API is unreachable (ECONNREFUSED); retry in 2 s',
    });
  });

  it("answers 503 when Node's own fetch could not reach the API server", async () => {
    const failed = new TypeError('fetch failed', {
      cause: Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:443'), {
        code: 'ECONNREFUSED',
      }),
    });
    const refusal = await kubeFailuresAsHttp(kube, 'could not read X', failing(failed)).catch(
      (e: unknown) => e as HttpException,
    );
    expect(refusal.getStatus()).toBe(503);
    expect(refusal.getResponse()).toMatchObject({
      message: 'could not read X: the Kubernetes API is unreachable (fetch failed); retry in 2 s',
    });
  });

  it('answers 503 when the API server is overloaded or failing (429, 5xx)', async () => {
    for (const status of [429, 500, 503]) {
      const refusal = await kubeFailuresAsHttp(
        kube,
        'could not read X',
        failing(new ApiException(status, 'x', '{}', {})),
      ).catch((e: unknown) => e as HttpException);
      expect(refusal.getStatus()).toBe(503);
      expect(refusal.getResponse()).toMatchObject({
        message: `could not read X: the Kubernetes API answered HTTP ${status}; retry in 2 s`,
      });
    }
  });

  it("answers 502 naming the admin API's permissions when the API server refuses (401, 403)", async () => {
    for (const status of [401, 403]) {
      const refusal = await kubeFailuresAsHttp(
        kube,
        'could not read X',
        failing(new ApiException(status, 'x', '{}', {})),
      ).catch((e: unknown) => e as HttpException);
      expect(refusal.getStatus()).toBe(502);
      expect(refusal.getResponse()).toEqual({
        statusCode: 502,
        error: 'Bad Gateway',
        message: `could not read X: the Kubernetes API answered HTTP ${status} (see the admin API's permissions)`,
      });
    }
    const odd = await kubeFailuresAsHttp(
      kube,
      'could not read X',
      failing(new ApiException(422, 'x', '{}', {})),
    ).catch((e: unknown) => e as HttpException);
    expect(odd.getResponse()).toMatchObject({
      statusCode: 502,
      message: 'could not read X: the Kubernetes API answered HTTP 422',
    });
  });

  it("leaves a 404 (the caller's to answer) and every error not the API server's as they are", async () => {
    for (const error of [
      new ApiException(404, 'Not Found', '{}', {}),
      new HttpException('conflict', 409),
      new TypeError('x is undefined'),
    ])
      await expect(kubeFailuresAsHttp(kube, 'could not read X', failing(error))).rejects.toBe(
        error,
      );
  });

  it('answers what the calls return', async () => {
    await expect(kubeFailuresAsHttp(kube, 'could not read X', async () => 'read')).resolves.toBe(
      'read',
    );
  });
});

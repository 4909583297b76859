import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { kubeProblemOf } from './kube.js';

describe('kubeProblemOf (what a failed Kubernetes call met, for logs and answers)', () => {
  it('names the HTTP status of an answer', () => {
    expect(kubeProblemOf(new ApiException(403, 'Forbidden', '{}', {}))).toBe('HTTP 403');
  });

  it("names no answer within the call's timeout", () => {
    const aborted = Object.assign(new Error('The operation was aborted.'), { name: 'AbortError' });
    expect(kubeProblemOf(aborted)).toBe('unreachable (no answer within 15 s)');
    expect(kubeProblemOf(aborted, 2_000)).toBe('unreachable (no answer within 2 s)');
  });

  it('names the network error otherwise', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(kubeProblemOf(refused)).toBe('unreachable (ECONNREFUSED)');
  });
});

import { xeroErrors } from '@xero-access/xero-client';
import { describe, expect, it } from 'vitest';
import { DatabaseUnavailableError } from '@xero-access/model';
import { classifyFailure } from './failure-classifier.js';
import { NotAttemptedError } from '../sync/not-attempted.js';
import { TenantTimedOutError } from '../sync/tenant-budget.js';
import { SyncTimedOutError } from './sync-deadline.js';
import { writeBackFailed } from '../token/unwritable-token-secret.js';

describe('classifyFailure', () => {
  it('puts credential and consent problems on Authenticated with the troubleshooting reason', () => {
    expect(
      classifyFailure(xeroErrors.invalidCredentials('token refresh'), 'authenticate'),
    ).toMatchObject({
      condition: 'Authenticated',
      reason: 'InvalidCredentials',
      transient: false,
    });
    expect(
      classifyFailure(xeroErrors.reauthorizationRequired('token refresh'), 'authenticate').message,
    ).toMatch(/reconnect/);
    expect(classifyFailure(xeroErrors.unauthorized('GET Users'), 'sync').condition).toBe(
      'Authenticated',
    );
    expect(
      classifyFailure(
        xeroErrors.invalidSpec('Secret ns/creds', 'key clientId is missing'),
        'authenticate',
      ).message,
    ).toBe('Secret ns/creds: key clientId is missing.');
  });

  it('puts a token Secret the reconciler may not write on Authenticated, whichever step refreshed', () => {
    const spentAt = new Date('2026-11-22T10:00:00Z');
    const kube = (code: number, message: string) =>
      Object.assign(new Error('HTTP'), { code, body: { message } });
    const refused = writeBackFailed(kube(403, 'denied'), 'ns', 'acme-tokens', spentAt);
    expect(classifyFailure(refused, 'sync')).toEqual({
      condition: 'Authenticated',
      reason: 'TokenSecretNotWritable',
      message: refused.message,
      transient: false,
    });
    expect(refused.message).toContain(
      'Xero answers the spent refresh token with the same set until 2026-11-22T10:30:00.000Z',
    );
    // The API server did not store it for a reason of its own: retrying may be enough.
    const unavailable = writeBackFailed(kube(503, 'etcd'), 'ns', 'acme-tokens', spentAt);
    expect(classifyFailure(unavailable, 'authenticate')).toMatchObject({
      reason: 'TokenSecretNotWritable',
      transient: true,
    });
  });

  it('puts API problems on Synced; rate limits are transient and carry the retry time', () => {
    const retryAt = new Date('2026-11-22T10:00:00Z');
    expect(
      classifyFailure(xeroErrors.rateLimited('GET Users', retryAt, 'minute'), 'sync'),
    ).toMatchObject({
      condition: 'Synced',
      reason: 'RateLimited',
      transient: true,
      retryAt,
    });
    expect(
      classifyFailure(xeroErrors.tenantDisconnected('GET /connections', 'abc'), 'sync'),
    ).toMatchObject({
      condition: 'Synced',
      reason: 'TenantDisconnected',
      transient: false,
    });
    expect(
      classifyFailure(
        xeroErrors.insufficientPermissions('GET Users', ['accounting.settings.read']),
        'sync',
      ).reason,
    ).toBe('InsufficientPermissions');
  });

  it('describes other failures without a stack trace', () => {
    const failure = classifyFailure(
      Object.assign(new Error('x'), { code: 403, body: { message: 'secrets is forbidden' } }),
      'authenticate',
    );
    expect(failure).toMatchObject({
      condition: 'Authenticated',
      reason: 'Forbidden',
      transient: false,
    });
    expect(failure.message).toContain('secrets is forbidden');
    expect(classifyFailure(new Error('wasm trap'), 'evaluate')).toMatchObject({
      condition: 'PoliciesEvaluated',
      reason: 'EvaluationFailed',
    });
  });

  it('reports a sync past SYNC_TIMEOUT as SyncTimedOut on the step it stopped, retried', () => {
    expect(classifyFailure(new SyncTimedOutError(120_000), 'sync')).toEqual({
      condition: 'Synced',
      reason: 'SyncTimedOut',
      message:
        'The sync did not finish within SYNC_TIMEOUT (120 s): Xero or the Kubernetes API did not answer in time, so it was abandoned; it is retried with backoff.',
      transient: true,
    });
  });

  it('reports an organisation past its own time as SyncTimedOut, and one never reached as NotAttempted', () => {
    expect(classifyFailure(new TenantTimedOutError(70_000), 'sync')).toMatchObject({
      condition: 'Synced',
      reason: 'SyncTimedOut',
      message: expect.stringContaining(
        'did not answer for this organisation within 70 s',
      ) as unknown,
      transient: true,
    });
    expect(classifyFailure(new NotAttemptedError(), 'sync')).toMatchObject({
      condition: 'Synced',
      reason: 'NotAttempted',
      message: expect.stringContaining('Xero was not called for this organisation') as unknown,
      transient: true,
    });
  });

  it('reports an unavailable database as DatabaseUnavailable on the phase it stopped, retried', () => {
    const outage = new DatabaseUnavailableError(
      { app: 'reconciler', database: 'PostgreSQL at 127.0.0.1:5432' },
      { kind: 'unreachable', cause: 'ECONNREFUSED' },
    );
    expect(classifyFailure(outage, 'sync')).toMatchObject({
      condition: 'Synced',
      reason: 'DatabaseUnavailable',
      message: outage.message,
      transient: true,
    });
    expect(classifyFailure(outage, 'evaluate')).toMatchObject({
      condition: 'PoliciesEvaluated',
      reason: 'DatabaseUnavailable',
    });
    // A bare socket error is not assumed to be the database: it may be the API server's.
    expect(
      classifyFailure(
        Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6443'), { code: 'ECONNREFUSED' }),
        'authenticate',
      ).reason,
    ).toBe('InternalError');
  });
});

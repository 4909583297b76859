import { createOrm, markLogged, type ModelOrm } from '@xero-access/model';
import { xeroErrors } from '@xero-access/xero-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../logging/logger.js';
import { memorySink } from '../test/memory-sink.js';
import { writeBackFailed } from '../token/unwritable-token-secret.js';
import { classifyFailure } from './failure-classifier.js';
import { logFailure, logTenantFailures } from './failure-log.js';
import type { TenantFailure } from './sync-outcome.js';
import { TenantsFailedError } from './tenant-failures.js';

const EMAIL = 'alice@example.com';

const tenant = (tenantId: string) => ({
  tenantId,
  tenantName: null,
  tenantType: 'ORGANISATION',
  connectionId: `c-${tenantId}`,
});

/** A failure as run-sync reports one organisation's. */
const tenantFailure = (tenantId: string, error: unknown): TenantFailure => ({
  tenant: tenant(tenantId),
  failure: classifyFailure(error, 'sync'),
  error,
});

describe('the log line of a failed reconcile', () => {
  let model: ModelOrm;
  /**
   * A real database error that is no outage, from a raw statement (MikroORM leaves the driver's
   * error as it is): its message starts with the statement and its values.
   */
  let databaseError: unknown;
  beforeAll(async () => {
    model = await createOrm({ url: 'sqlite::memory:', migrate: true });
    databaseError = await model.orm.em
      .getConnection()
      .execute(`select * from no_such_table where email = '${EMAIL}'`)
      .catch((error: unknown) => error);
  });
  afterAll(() => model?.close());

  const logged = (cause: unknown, phase: 'authenticate' | 'sync' | 'evaluate' = 'sync') => {
    const { sink, lines } = memorySink();
    const failure = classifyFailure(cause, phase);
    logFailure(
      createLogger('info', sink),
      'reconcile failed',
      { connection: 'finance/acme', phase },
      cause,
      failure,
    );
    return { failure, lines: lines() };
  };

  it('a database error that is no outage: the status points to the log, and the log has the error without its SQL', () => {
    const { failure, lines } = logged(databaseError);
    expect(failure).toMatchObject({ reason: 'InternalError' });
    expect(failure.message).toBe(
      'The reconciler failed: a database error (SqliteError SQLITE_ERROR); the reconciler log has the details',
    );
    expect(lines).toHaveLength(1);
    const [line] = lines;
    expect(line).toMatchObject({
      level: 'warn',
      msg: 'reconcile failed',
      connection: 'finance/acme',
      phase: 'sync',
      reason: 'InternalError',
      err: { type: 'SqliteError', code: 'SQLITE_ERROR', message: 'no such table: no_such_table' },
    });
    expect((line!.err as { stack: string }).stack).toMatch(/\n\s+at /);
    expect(JSON.stringify(line)).not.toContain(EMAIL);
    expect(JSON.stringify(line)).not.toContain('select *');
  });

  it('a bug: the log has its type, message and stack', () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'users')");
    const { lines } = logged(bug);
    expect(lines[0]).toMatchObject({
      reason: 'InternalError',
      err: { type: 'TypeError', message: bug.message, stack: bug.stack },
    });
  });

  it('a policy bundle failing on its input (EvaluationFailed): the log has the error', () => {
    const { lines } = logged(new Error('check leavers: input.users is not an array'), 'evaluate');
    expect(lines[0]).toMatchObject({
      reason: 'EvaluationFailed',
      err: { type: 'Error', message: 'check leavers: input.users is not an array' },
    });
  });

  it('a failure the status names in full (Xero, rate limits) has no err', () => {
    const { lines } = logged(xeroErrors.unavailable('GET Users', 'HTTP 503'));
    expect(lines[0]).toMatchObject({ reason: 'Unavailable' });
    expect(lines[0]).not.toHaveProperty('err');
  });

  it('every organisation failed, one of them on a bug: the log has that error and its tenantId', () => {
    const bug = new TypeError('users.map is not a function');
    const failures = [
      tenantFailure('t-1', xeroErrors.unavailable('GET Users', 'HTTP 503')),
      tenantFailure('t-2', bug),
    ];
    const { lines } = logged(new TenantsFailedError(failures));
    expect(lines[0]).toMatchObject({
      tenantId: 't-2',
      err: { type: 'TypeError', message: bug.message, stack: bug.stack },
    });
  });

  it('a rotated token set not stored, logged where it happened: not logged again', () => {
    const kube = Object.assign(new Error('HTTP'), { code: 422, body: { message: 'denied' } });
    const failed = markLogged(writeBackFailed(kube, 'finance', 'acme-tokens', new Date()));
    expect(logged(failed, 'authenticate').lines).toEqual([]);
  });

  it('a partial sync: a line per organisation, with err for the one that failed on a bug', () => {
    const { sink, lines } = memorySink();
    const bug = new TypeError('users.map is not a function');
    logTenantFailures(createLogger('info', sink), 'finance/acme', [
      tenantFailure('t-1', xeroErrors.unavailable('GET Users', 'HTTP 503')),
      tenantFailure('t-2', bug),
    ]);
    const [xero, internal] = lines();
    expect(xero).toMatchObject({
      msg: 'organisation not synced; the others are recorded',
      connection: 'finance/acme',
      tenantId: 't-1',
      reason: 'Unavailable',
    });
    expect(xero).not.toHaveProperty('err');
    expect(internal).toMatchObject({
      tenantId: 't-2',
      reason: 'InternalError',
      err: { type: 'TypeError', message: bug.message, stack: bug.stack },
    });
  });
});

import { DatabaseUnavailableError } from '@xero-access/model';
import { describe, expect, it } from 'vitest';
import { reconcilerDatabase, whileDeleting } from './reconciler-database.js';

describe('reconcilerDatabase', () => {
  it('makes an outage condition say where to look, that it retries and that nothing is lost', () => {
    const user = reconcilerDatabase('postgres://xao:s3cret@127.0.0.1:5432/xao');
    const message = new DatabaseUnavailableError(user, {
      kind: 'unreachable',
      cause: 'ECONNREFUSED',
    }).message;
    expect(message).toContain('The database the reconciler is configured with');
    expect(message).toContain('PostgreSQL at 127.0.0.1:5432');
    expect(message).toContain('ECONNREFUSED');
    expect(message).toMatch(/retried automatically/);
    expect(message).toMatch(/Nothing is lost/);
    expect(message).not.toContain('s3cret');
  });

  it('makes a deletion say the finalizer waits for the database, with the same where and cause', () => {
    const user = whileDeleting(reconcilerDatabase('postgres://xao:s3cret@db:5432/xao'));
    const message = new DatabaseUnavailableError(user, { kind: 'unreachable', cause: '57P01' })
      .message;
    expect(message).toContain('(PostgreSQL at db:5432, DATABASE_URL) is not available (57P01)');
    expect(message).toMatch(/keeps its finalizer until the database answers/);
    expect(message).not.toContain('s3cret');
  });
});

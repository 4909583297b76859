import { describeDatabase, type DatabaseUser } from '@xero-access/model';

/**
 * The reconciler as a database user, for the DatabaseUnavailable condition: where the database
 * is (no credentials) and that the sync is retried (the controller's backoff: at most 5 minutes).
 */
export function reconcilerDatabase(url: string): DatabaseUser {
  return {
    app: 'reconciler',
    database: describeDatabase(url),
    meanwhile:
      'Nothing is lost: the snapshots and findings already recorded stay, and this sync is retried automatically with backoff (at most 5 minutes apart) until the database answers.',
  };
}

/**
 * The reconciler while a XeroConnection is being deleted: the finalizer stays (Kubernetes keeps
 * the object) until the connection row is marked deleted, which is retried with backoff.
 */
export function whileDeleting(user: DatabaseUser): DatabaseUser {
  return {
    ...user,
    meanwhile:
      'The XeroConnection keeps its finalizer until the database answers; its snapshots and findings stay as evidence, and the deletion is retried automatically with backoff (at most 5 minutes apart).',
  };
}

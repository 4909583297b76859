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

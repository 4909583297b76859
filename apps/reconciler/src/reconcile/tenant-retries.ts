import type { XeroConnection } from '@xero-access/crd';
import { HeldPerVersion } from './held-per-version.js';

/** A partial sync's synced organisations, which its retries keep, and when every one is fetched again. */
export interface TenantRetry {
  /**
   * The synced organisations' tenant ids, lower-case. Not the failed ones: an organisation
   * connected since the partial sync was never fetched, and is fetched with the failed ones.
   */
  syncedIds: ReadonlySet<string>;
  /** The connection's next regular sync (the synced organisations' nextSyncTime). */
  fullSyncAt: Date;
}

/**
 * After a partial sync, its retries (with backoff, up to every 5 minutes) fetch and record all but
 * the organisations it synced: fetching the others again would record a snapshot of each every
 * few minutes and spend their Xero limits while one keeps failing. Their snapshots, findings and
 * status entries stand until the regular sync, which fetches every organisation. In memory, per
 * object version (held-per-version.ts): after a restart or a leader change the next sync
 * fetches every organisation, which is only a little more work.
 */
export class TenantRetries extends HeldPerVersion<TenantRetry> {
  /** The retry for this version of the connection while its regular sync is not due; forgets it. */
  take(key: string, connection: XeroConnection, now: Date): TenantRetry | undefined {
    const retry = this.for(key, connection);
    this.forget(key);
    return retry && retry.fullSyncAt > now ? retry : undefined;
  }
}

import type { XeroConnection } from '@xero-access/crd';
import { HeldPerVersion } from './held-per-version.js';

/** A partial sync's failed organisations, which its retries fetch, and when every one is fetched again. */
export interface TenantRetry {
  /** The failed organisations' tenant ids, lower-case. */
  tenantIds: ReadonlySet<string>;
  /** The connection's next regular sync (the synced organisations' nextSyncTime). */
  fullSyncAt: Date;
}

/**
 * After a partial sync, its retries (with backoff, up to every 5 minutes) fetch and record only
 * the organisations that failed: fetching the others again would record a snapshot of each every
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

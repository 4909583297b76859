import type { XeroConnectionStatus } from '@xero-access/crd';
import type { SyncedForEvents } from '../events/connection-events.js';
import type { ConditionInput } from '../status/conditions.js';
import { HeldPerVersion } from './held-per-version.js';

/** What a finished sync reports: the status to write, then the Events about what changed. */
export interface SyncReport {
  /** The status the sync started from: the Events tell what changed since. */
  previous: XeroConnectionStatus;
  status: XeroConnectionStatus;
  ready: ConditionInput;
  synced?: SyncedForEvents;
}

/**
 * The reports of syncs that recorded their snapshots and findings but could not write their
 * status, by connection key. The status keeps the old nextSyncTime, so the retry would sync Xero
 * again (spending the tenant's rate limit, recording another snapshot) and find nothing changed:
 * the findings are applied already, so their FindingsOpened/FindingsResolved Events would never
 * be recorded. The retry writes the held report instead, as controller-runtime operators keep a
 * step's result so that a retry redoes only what failed. Held only for the object version the
 * sync saw (uid and generation: a new spec syncs afresh), in memory: the reconciler drops them
 * when the object goes and when it stops leading, and the next leader syncs again.
 */
export class UnwrittenReports extends HeldPerVersion<SyncReport> {}

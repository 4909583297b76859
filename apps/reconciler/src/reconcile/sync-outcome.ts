import type { DisconnectedTenant } from '@xero-access/crd';
import type { FindingTransition } from '@xero-access/model';
import type { SelectedTenant, SyncedTenant, UnmonitoredTenants } from '../sync/tenant-sync.js';
import type { AccessGrant } from '../token/token-manager.js';
import type { ClassifiedFailure, Phase } from './failure-classifier.js';

/** An organisation this sync could not fetch, and why (the others were synced without it). */
export interface TenantFailure {
  tenant: SelectedTenant;
  failure: ClassifiedFailure;
  /** The error as thrown, for the log (unexpectedErrorFields); never shown in the status. */
  error?: unknown;
}

/** What the Xero calls of a sync brought: the organisations synced and those that failed. */
export interface FetchedTenants {
  synced: SyncedTenant[];
  failed: TenantFailure[];
  /**
   * Organisations a retry after a partial sync did not fetch (tenant-retries.ts): their
   * snapshots, findings and status entries stand as that sync recorded them.
   */
  kept?: SelectedTenant[];
  /** The grant's organisations the token Secret's tenant_id leaves out (TenantSyncResult). */
  unmonitored?: UnmonitoredTenants;
}

/** How far a sync got: what to report as still true when a later step fails. */
export interface Progress {
  phase: Phase;
  grant?: AccessGrant;
  /** Set once the organisations were fetched (some may have failed). */
  fetched?: FetchedTenants;
  syncedUsers?: number;
}

/** What a sync that went through token, sync, snapshot, evaluation and findings found. */
export interface SyncOutcome {
  grant: AccessGrant;
  tenants: SyncedTenant[];
  /**
   * Organisations that failed: their last snapshot was evaluated again, its findings opened and
   * none resolved (they stay as of that snapshot until it is fetched again).
   */
  failed: TenantFailure[];
  /** Organisations a retry did not fetch (FetchedTenants.kept): synced by the sync it retries. */
  kept?: SelectedTenant[];
  /** The grant's organisations the token Secret's tenant_id leaves out (TenantSyncResult). */
  unmonitored?: UnmonitoredTenants;
  /** Users with access in the organisations synced now (and in those kept, as of their last snapshot). */
  syncedUsers: number;
  /** Users with access in the latest snapshot of each organisation, a failed one's last included. */
  userCount: number;
  openByCheck: Record<string, number>;
  /** Organisations with open findings that this sync did not reach. */
  disconnected: DisconnectedTenant[];
  /** Open findings by check and severity, for the metrics. */
  openSeries: Map<string, number>;
  transitions: FindingTransition[];
  /** The earliest accepted risk still ahead: the next sync comes no later, so it reopens on time. */
  nextAcceptanceExpiry: Date | null;
  /**
   * The policy's earliest `reevaluate_at` over the tenants, a failed one's last snapshot included
   * (e.g. an offboarding grace period ends): the next sync comes no later, so access still held
   * then becomes a finding even if it is removed before the next scheduled sync.
   */
  reevaluateAt: Date | null;
  /** The namespace's alerts Secret cannot be used (its alerts undeliverable): what to say about it. */
  invalidAlertTarget?: string;
}

import type { XeroConnection } from '@xero-access/crd';

/**
 * `kubectl annotate xc NAME xeroaccess.dev/sync-requested-at=$(date -u +%FT%TZ) --overwrite`
 * asks for a sync now (as Flux's reconcile.fluxcd.io/requestedAt): due while its value is not the
 * one the last sync handled (`status.lastHandledSyncRequest`, as Flux's lastHandledReconcileAt).
 */
export const SYNC_REQUESTED_ANNOTATION = 'xeroaccess.dev/sync-requested-at';

/**
 * REQUESTED_SYNC_GAP's default: the least time from one sync's start to the start of one a request
 * asks for. Every staff or link change asks for one (reevaluate/), so an identity provider pushing
 * changes all day would otherwise sync Xero back to back and spend an organisation's 5,000 calls a
 * day; within the gap the requests wait and one sync serves them all.
 */
export const REQUESTED_SYNC_GAP_MS = 60_000;

/** The annotation's value: the request a sync starting now serves. */
export function syncRequestOf(connection: XeroConnection): string | undefined {
  return connection.metadata?.annotations?.[SYNC_REQUESTED_ANNOTATION];
}

/**
 * What a sync records in `status.lastHandledSyncRequest`: the request it started with, or '' for
 * none, so that a status without the field is known to come from a version before it.
 */
export function handledSyncRequest(connection: XeroConnection): string {
  return syncRequestOf(connection) ?? '';
}

/**
 * Whether the annotation asks for a sync no sync has handled yet. Its value is compared with the
 * one the last sync handled, never with a clock: the annotation is stamped by whichever replica
 * takes a re-evaluation request (or by hand), and a clock behind the leader's would date a new
 * request before the last sync and have it dropped.
 */
export function syncRequested(connection: XeroConnection): boolean {
  const requested = syncRequestOf(connection);
  if (!requested) return false;
  const handled = connection.status?.lastHandledSyncRequest;
  if (handled !== undefined) return requested !== handled;
  // A status written before lastHandledSyncRequest existed: the old time comparison, until the
  // next sync records the field. Taking every annotation for new instead would sync at once every
  // connection a staff change ever touched, on the upgrade's first leader.
  const requestedAt = Date.parse(requested);
  if (Number.isNaN(requestedAt)) return false;
  const lastSyncTime = connection.status?.lastSyncTime;
  return !lastSyncTime || requestedAt > Date.parse(lastSyncTime);
}

/**
 * When each connection's last sync started, in this process: a requested sync starts no sooner
 * than the gap after it, whether that sync succeeded or not (a failing connection's lastSyncTime
 * does not move). It also remembers the request each sync served, for a sync whose status (and
 * with it lastHandledSyncRequest) was not written: the request would otherwise run again at every
 * gap. A new leader knows none of this, so its first request runs at once.
 */
export class RequestedSyncGate {
  private readonly started = new Map<string, { at: number; served: string | undefined }>();

  constructor(private readonly gapMs: number) {}

  /** A sync of `connection` (key `key`) starts at `now`, serving the request it carries. */
  starting(key: string, connection: XeroConnection, now: number): void {
    this.started.set(key, { at: now, served: syncRequestOf(connection) });
  }

  /**
   * When the sync the annotation asks for may start: undefined when none is asked for (or the
   * last sync served it), else `now` or the end of the gap after the last start.
   */
  dueAt(key: string, connection: XeroConnection, now: number): number | undefined {
    if (!syncRequested(connection)) return undefined;
    const last = this.started.get(key);
    if (last === undefined) return now;
    if (last.served === syncRequestOf(connection)) return undefined;
    return Math.max(now, last.at + this.gapMs);
  }

  forget(key: string): void {
    this.started.delete(key);
  }
}

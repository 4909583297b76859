import type { XeroConnection } from '@xero-access/crd';

/**
 * `kubectl annotate xc NAME xeroaccess.dev/sync-requested-at=$(date -u +%FT%TZ) --overwrite`
 * asks for a sync now (as Flux's reconcile.fluxcd.io/requestedAt): due when newer than the last sync.
 */
export const SYNC_REQUESTED_ANNOTATION = 'xeroaccess.dev/sync-requested-at';

/**
 * REQUESTED_SYNC_GAP's default: the least time from one sync's start to the start of one a request
 * asks for. Every staff or link change asks for one (reevaluate/), so an identity provider pushing
 * changes all day would otherwise sync Xero back to back and spend an organisation's 5,000 calls a
 * day; within the gap the requests wait and one sync serves them all.
 */
export const REQUESTED_SYNC_GAP_MS = 60_000;

/** Whether the annotation asks for a sync newer than the last one. */
export function syncRequestedSince(
  connection: XeroConnection,
  lastSyncTime: string | undefined,
): boolean {
  const requested = Date.parse(connection.metadata?.annotations?.[SYNC_REQUESTED_ANNOTATION] ?? '');
  if (Number.isNaN(requested)) return false;
  return !lastSyncTime || requested > Date.parse(lastSyncTime);
}

/**
 * When each connection's last sync started, in this process: a requested sync starts no sooner
 * than the gap after it, whether that sync succeeded or not (a failing connection's lastSyncTime
 * does not move). It also remembers the request each sync served: a request dated in the future
 * (`date` without `-u` in a zone ahead of UTC) stays newer than lastSyncTime after its sync, and
 * would otherwise sync again at every gap until that time. A new leader knows none of this, so its
 * first request runs at once.
 */
export class RequestedSyncGate {
  private readonly started = new Map<string, { at: number; served: string | undefined }>();

  constructor(private readonly gapMs: number) {}

  /** A sync of `connection` (key `key`) starts at `now`, serving the request it carries. */
  starting(key: string, connection: XeroConnection, now: number): void {
    this.started.set(key, { at: now, served: requestOf(connection) });
  }

  /**
   * When the sync the annotation asks for may start: undefined when none is asked for (or the
   * last sync served it), else `now` or the end of the gap after the last start.
   */
  dueAt(key: string, connection: XeroConnection, now: number): number | undefined {
    if (!syncRequestedSince(connection, connection.status?.lastSyncTime)) return undefined;
    const last = this.started.get(key);
    if (last === undefined) return now;
    if (last.served === requestOf(connection)) return undefined;
    return Math.max(now, last.at + this.gapMs);
  }

  forget(key: string): void {
    this.started.delete(key);
  }
}

function requestOf(connection: XeroConnection): string | undefined {
  return connection.metadata?.annotations?.[SYNC_REQUESTED_ANNOTATION];
}

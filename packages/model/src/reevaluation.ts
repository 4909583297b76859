/**
 * The re-evaluation contract between the admin API (writer) and the reconciler (reader): when a
 * staff member or an account link changes, the affected connections' checks run again promptly,
 * not at their next scheduled sync.
 * - `SADD <prefix>:reevaluate:pending <namespace/name>…`: kept until the reconciler has handled it
 *   (it takes requests with a lease and removes them only once handled), so nothing is lost while
 *   it is down or when it dies part-way; a Redis restart without persistence loses them (the next
 *   regular sync covers those connections);
 * - `PUBLISH <prefix>:reevaluate <json ReevaluationRequest>`: wakes the reconciler at once.
 * Both apps take the same REDIS_KEY_PREFIX (a trailing ':' is ignored).
 */
export interface ReevaluationRequest {
  connections: string[];
  reason: string;
  at: string;
  /**
   * The admin API request that asked for it (its `X-Request-ID`, the audit log's `requestId`),
   * when one did. Messages from admin APIs older than the field have none: readers must not
   * require it.
   */
  requestId?: string;
}

export function reevaluationKeys(prefix: string): { channel: string; pending: string } {
  const base = prefix.replace(/:+$/, '');
  return { channel: `${base}:reevaluate`, pending: `${base}:reevaluate:pending` };
}

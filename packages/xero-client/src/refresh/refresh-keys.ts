/** The refresh coordinator's Redis key prefix under a Xero client's (REDIS_KEY_PREFIX). */
export function refreshKeyPrefix(clientKeyPrefix: string): string {
  return `${clientKeyPrefix}:refresh`;
}

/**
 * A connection's refresh lock, under the coordinator's key prefix (refreshKeyPrefix). With `*` as
 * the connection key, the pattern of every connection's lock (for SCAN MATCH): a connection key
 * (`namespace/name`) holds no glob character.
 */
export function refreshLockKey(refreshPrefix: string, connectionKey: string): string {
  return `${refreshPrefix}:${connectionKey}:lock`;
}

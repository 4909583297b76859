import { v7 as uuidv7 } from 'uuid';
import { ValidationError } from './errors.js';

/**
 * New primary key: a UUIDv7, so ids sort by creation time and B-tree inserts stay append-only
 * (cheap at a million rows, unlike random v4 ids).
 */
export function newId(): string {
  return uuidv7();
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Ids are UUIDs; anything else cannot match a row. Checked before querying because PostgreSQL
 * rejects a malformed uuid literal with an error instead of finding nothing.
 */
export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/**
 * The stored form of a Xero UserID: lowercase, as snapshots hold it (the Xero client lowercases
 * UserIDs), so a GUID pasted in upper case still links the user.
 */
export function xeroUserIdKey(userId: string): string {
  if (typeof userId !== 'string' || userId.length === 0 || userId.length > 64)
    throw new ValidationError('userId', 'must be a Xero UserID (1 to 64 characters)');
  return userId.toLowerCase();
}

import { v7 as uuidv7 } from 'uuid';

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

import { v7 as uuidv7 } from 'uuid';

/**
 * New primary key: a UUIDv7, so ids sort by creation time and B-tree inserts stay append-only
 * (cheap at a million rows, unlike random v4 ids).
 */
export function newId(): string {
  return uuidv7();
}

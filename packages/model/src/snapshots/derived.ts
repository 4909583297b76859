import { hasAccess } from './access.js';
import { diffUsers, type SnapshotDiff } from './diff.js';
import type { SnapshotUser } from './snapshot-user.js';

/**
 * What a snapshot stores besides its link fields, derived from its users and its predecessor's.
 * No hash covers it: verifying the chain against the database derives it again (derived-check.ts).
 */
export interface SnapshotDerived {
  /** Every row Xero listed, REMOVED ones included. */
  userCount: number;
  /** Users whose role is not REMOVED: the ones who can get in. */
  activeUserCount: number;
  /** How Xero's list changed row by row since the predecessor (`diffUsers`). */
  diff: SnapshotDiff;
}

/** A predecessor's content: its users are read only when the content changed. */
export interface PreviousContent {
  contentHash: string;
  users(): Promise<readonly SnapshotUser[]>;
}

export function activeUserCount(users: readonly SnapshotUser[]): number {
  return users.filter(hasAccess).length;
}

/**
 * What `snapshots.record` stores for `users` (of `contentHash`) after `previous` (null for a
 * tenant's first snapshot, whose diff lists every row as a joiner). The same users as the
 * predecessor's are no change, and theirs are not read.
 */
export async function deriveSnapshot(
  users: readonly SnapshotUser[],
  contentHash: string,
  previous: PreviousContent | null,
): Promise<SnapshotDerived> {
  const diff =
    previous?.contentHash === contentHash
      ? { joiners: [], leavers: [], roleChanges: [] }
      : diffUsers(previous ? await previous.users() : [], users);
  return { userCount: users.length, activeUserCount: activeUserCount(users), diff };
}

import { REMOVED_ROLE } from './access.js';
import type { SnapshotUser } from './snapshot-user.js';

export interface DiffUser {
  userId: string;
  email: string | null;
  organisationRole: string;
}

export interface RoleChange {
  userId: string;
  email: string | null;
  from: string;
  to: string;
}

/** What changed between two snapshots of one tenant; every list is sorted by userId. */
export interface SnapshotDiff {
  joiners: DiffUser[];
  leavers: DiffUser[];
  roleChanges: RoleChange[];
}

export const EMPTY_DIFF: SnapshotDiff = Object.freeze({
  joiners: [],
  leavers: [],
  roleChanges: [],
}) as SnapshotDiff;

const byUserId = (a: { userId: string }, b: { userId: string }) =>
  a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0;

const summary = (u: SnapshotUser): DiffUser => ({
  userId: u.userId,
  email: u.email,
  organisationRole: u.organisationRole,
});

/**
 * How Xero's user list changed, row by row, as each snapshot stores it: joiners are users only in
 * `after`, leavers only in `before`, role changes those whose `organisationRole` differs (a user
 * turning `REMOVED` is a role change here: Xero keeps the row). What the API serves is
 * `accessChanges` of it.
 */
export function diffUsers(
  before: readonly SnapshotUser[],
  after: readonly SnapshotUser[],
): SnapshotDiff {
  const old = new Map(before.map((u) => [u.userId, u]));
  const now = new Map(after.map((u) => [u.userId, u]));
  const joiners = after.filter((u) => !old.has(u.userId)).map(summary);
  const leavers = before.filter((u) => !now.has(u.userId)).map(summary);
  const roleChanges: RoleChange[] = [];
  for (const u of after) {
    const was = old.get(u.userId);
    if (was && was.organisationRole !== u.organisationRole) {
      roleChanges.push({
        userId: u.userId,
        email: u.email,
        from: was.organisationRole,
        to: u.organisationRole,
      });
    }
  }
  return {
    joiners: joiners.sort(byUserId),
    leavers: leavers.sort(byUserId),
    roleChanges: roleChanges.sort(byUserId),
  };
}

export function isEmptyDiff(diff: SnapshotDiff): boolean {
  return diff.joiners.length === 0 && diff.leavers.length === 0 && diff.roleChanges.length === 0;
}

/**
 * The changes in who can get in, from a row diff (`diffUsers`, stored or fresh): a user joins when
 * they gain access (a new row, or out of `REMOVED`) and leaves when they lose it (a row gone, or
 * into `REMOVED`, how Xero reports a removed user); a role change is between two roles with
 * access. A leaver carries the role they lost, a joiner the role they got. Rows that never had
 * access (a `REMOVED` row appearing or disappearing) are no change. Idempotent.
 */
export function accessChanges(rows: SnapshotDiff): SnapshotDiff {
  const joiners = rows.joiners.filter((u) => u.organisationRole !== REMOVED_ROLE);
  const leavers = rows.leavers.filter((u) => u.organisationRole !== REMOVED_ROLE);
  const roleChanges: RoleChange[] = [];
  for (const c of rows.roleChanges) {
    if (c.to === REMOVED_ROLE)
      leavers.push({ userId: c.userId, email: c.email, organisationRole: c.from });
    else if (c.from === REMOVED_ROLE)
      joiners.push({ userId: c.userId, email: c.email, organisationRole: c.to });
    else roleChanges.push(c);
  }
  return {
    joiners: joiners.sort(byUserId),
    leavers: leavers.sort(byUserId),
    roleChanges: roleChanges.sort(byUserId),
  };
}

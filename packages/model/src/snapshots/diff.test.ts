import { describe, expect, it } from 'vitest';
import { accessChanges, diffUsers, isEmptyDiff } from './diff.js';
import { normaliseSnapshotUsers } from './snapshot-user.js';

const users = (...rows: [string, string][]) =>
  normaliseSnapshotUsers(
    rows.map(([userId, organisationRole]) => ({
      userId,
      email: `${userId}@acme.test`,
      organisationRole,
    })),
  );

describe('diffUsers', () => {
  it('finds joiners, leavers and role changes, sorted by userId', () => {
    const diff = diffUsers(
      users(['a', 'STANDARD'], ['b', 'ADMIN'], ['c', 'STANDARD']),
      users(['d', 'STANDARD'], ['c', 'REMOVED'], ['a', 'STANDARD'], ['0', 'READONLY']),
    );
    expect(diff).toEqual({
      joiners: [
        { userId: '0', email: '0@acme.test', organisationRole: 'READONLY' },
        { userId: 'd', email: 'd@acme.test', organisationRole: 'STANDARD' },
      ],
      leavers: [{ userId: 'b', email: 'b@acme.test', organisationRole: 'ADMIN' }],
      roleChanges: [{ userId: 'c', email: 'c@acme.test', from: 'STANDARD', to: 'REMOVED' }],
    });
    expect(isEmptyDiff(diff)).toBe(false);
  });

  it('is empty for identical user sets and treats the first snapshot as all joiners', () => {
    expect(isEmptyDiff(diffUsers(users(['a', 'STANDARD']), users(['a', 'STANDARD'])))).toBe(true);
    expect(diffUsers([], users(['a', 'STANDARD'])).joiners.map((u) => u.userId)).toEqual(['a']);
  });
});

describe('accessChanges', () => {
  it('counts a move into REMOVED as a leaver and out of REMOVED as a joiner', () => {
    const rows = diffUsers(
      users(['a', 'STANDARD'], ['b', 'REMOVED'], ['c', 'STANDARD'], ['d', 'REMOVED']),
      users(['a', 'REMOVED'], ['b', 'READONLY'], ['c', 'READONLY'], ['e', 'REMOVED']),
    );
    expect(accessChanges(rows)).toEqual({
      joiners: [{ userId: 'b', email: 'b@acme.test', organisationRole: 'READONLY' }],
      leavers: [{ userId: 'a', email: 'a@acme.test', organisationRole: 'STANDARD' }],
      roleChanges: [{ userId: 'c', email: 'c@acme.test', from: 'STANDARD', to: 'READONLY' }],
    });
  });

  it('keeps joiners and leavers of rows, sorted, and leaves alone rows that never had access', () => {
    const rows = diffUsers(
      users(['b', 'STANDARD'], ['z', 'STANDARD'], ['gone', 'REMOVED']),
      users(['a', 'STANDARD'], ['z', 'REMOVED'], ['new', 'REMOVED']),
    );
    const changes = accessChanges(rows);
    expect(changes.joiners.map((u) => u.userId)).toEqual(['a']);
    expect(changes.leavers.map((u) => u.userId)).toEqual(['b', 'z']);
    expect(changes.roleChanges).toEqual([]);
    expect(accessChanges(changes)).toEqual(changes);
    expect(isEmptyDiff(accessChanges(diffUsers([], users(['x', 'REMOVED']))))).toBe(true);
  });
});

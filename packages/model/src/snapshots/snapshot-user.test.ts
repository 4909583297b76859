import { describe, expect, it } from 'vitest';
import { normaliseSnapshotUsers } from './snapshot-user.js';

describe('normaliseSnapshotUsers', () => {
  it('fills every field, keeps unknowns as null and sorts by userId', () => {
    const out = normaliseSnapshotUsers([
      {
        userId: 'b',
        email: 'B@acme.test',
        organisationRole: 'STANDARD',
        updatedDateUtc: '2026-01-01T10:00:00+01:00',
      },
      { userId: 'a', organisationRole: 'ADMIN', isSubscriber: true },
    ]);
    expect(out).toEqual([
      {
        userId: 'a',
        email: null,
        firstName: null,
        lastName: null,
        organisationRole: 'ADMIN',
        isSubscriber: true,
        updatedDateUtc: null,
        twoFactorEnabled: null,
        lastLoginAt: null,
      },
      {
        userId: 'b',
        email: 'B@acme.test',
        firstName: null,
        lastName: null,
        organisationRole: 'STANDARD',
        isSubscriber: false,
        updatedDateUtc: '2026-01-01T09:00:00.000Z',
        twoFactorEnabled: null,
        lastLoginAt: null,
      },
    ]);
  });

  it('names the field that is wrong', () => {
    expect(() => normaliseSnapshotUsers([{ userId: 'a', organisationRole: '' }])).toThrow(
      /users\.0\.organisationRole/,
    );
    expect(() =>
      normaliseSnapshotUsers([{ userId: 'a', organisationRole: 'X', updatedDateUtc: 'yesterday' }]),
    ).toThrow(/users\.0\.updatedDateUtc/);
  });

  it('refuses a userId listed twice', () => {
    expect(() =>
      normaliseSnapshotUsers([
        { userId: 'a', organisationRole: 'X' },
        { userId: 'a', organisationRole: 'Y' },
      ]),
    ).toThrow(/userId a appears more than once/);
  });
});

import { describe, expect, it } from 'vitest';
import { isXeroError } from '../errors.js';
import { parseResponse } from '../validate.js';
import { connectionsSchema, organisationSchema, usersSchema } from './schemas.js';

const user = {
  UserID: '7cf47fe2-c3dd-4c6b-9895-7ba767ba529c',
  EmailAddress: 'john.smith@mail.com',
  FirstName: 'John',
  LastName: 'Smith',
  UpdatedDateUTC: '/Date(1573755038314+0000)/',
  IsSubscriber: false,
  OrganisationRole: 'FINANCIALADVISER',
};

describe('accounting schemas', () => {
  it('maps users to camelCase with real dates', () => {
    const [parsed] = parseResponse(usersSchema, { Users: [user] }, 'GET Users');
    expect(parsed).toEqual({
      userId: user.UserID,
      email: 'john.smith@mail.com',
      firstName: 'John',
      lastName: 'Smith',
      updatedDateUtc: new Date(1573755038314),
      isSubscriber: false,
      organisationRole: 'FINANCIALADVISER',
    });
  });

  it('lowercases UserIDs, the one form snapshots and account links use', () => {
    const upper = { ...user, UserID: user.UserID.toUpperCase() };
    const [parsed] = parseResponse(usersSchema, { Users: [upper] }, 'GET Users');
    expect(parsed?.userId).toBe(user.UserID);
  });

  it('names the field that violates the schema', () => {
    const bad = { Users: [user, { ...user, UpdatedDateUTC: '2019-11-14' }] };
    try {
      parseResponse(usersSchema, bad, 'GET Users', 200);
      expect.unreachable();
    } catch (error) {
      expect(isXeroError(error, 'InvalidResponse')).toBe(true);
      expect((error as Error).message).toContain('Users[1].UpdatedDateUTC');
      expect((error as Error).message).toContain('Microsoft JSON date');
    }
  });

  it('reports a missing field and a wrong type', () => {
    const { UserID: _omit, ...noId } = user;
    expect(() => parseResponse(usersSchema, { Users: [noId] }, 'GET Users')).toThrow(
      /Users\[0\]\.UserID/,
    );
    expect(() => parseResponse(usersSchema, { Users: 'x' }, 'GET Users')).toThrow(/Users: /);
  });

  it('parses connections with zone-less timestamps', () => {
    const [c] = parseResponse(
      connectionsSchema,
      [
        {
          id: 'e1eede29-f875-4a5d-8470-17f6a29a88b1',
          authEventId: 'd99ecdfe-391d-43d2-b834-17636ba90e8d',
          tenantId: '70784a63-d24b-46a9-a4db-0e70a274b056',
          tenantType: 'ORGANISATION',
          tenantName: 'Maple Florists Ltd',
          createdDateUtc: '2019-07-09T23:40:30.1833130',
          updatedDateUtc: '2020-05-15T01:35:13.8491980',
        },
      ],
      'GET /connections',
    );
    expect(c?.createdDateUtc.toISOString()).toBe('2019-07-09T23:40:30.183Z');
    expect(c?.tenantName).toBe('Maple Florists Ltd');
  });

  it('requires an organisation', () => {
    expect(() =>
      parseResponse(organisationSchema, { Organisations: [] }, 'GET Organisation'),
    ).toThrow(/Organisations: expected one organisation/);
  });
});

import { describe, expect, it } from 'vitest';
import { staffFromScim } from './scim-mapping.js';
import { parseScimFilter } from './scim-filter.js';
import { SCIM_USER, ScimError } from './scim.types.js';

describe('parseScimFilter', () => {
  it.each([
    ['userName eq "a@b.example"', { attribute: 'userName', value: 'a@b.example' }],
    ['USERNAME Eq "x\\"y"', { attribute: 'userName', value: 'x"y' }],
    ['externalId eq "00u1"', { attribute: 'externalId', value: '00u1' }],
  ])('%s', (filter, expected) => {
    expect(parseScimFilter(filter)).toEqual(expected);
  });

  it.each([
    'userName co "a"',
    'emails.value eq "a"',
    'userName eq a',
    'userName eq "a" or 1 eq 1',
    'userName eq "\\x"',
  ])('refuses %s as invalidFilter', (filter) => {
    expect(() => parseScimFilter(filter)).toThrow(ScimError);
    try {
      parseScimFilter(filter);
    } catch (error) {
      expect((error as ScimError).scimType).toBe('invalidFilter');
    }
  });
});

describe('SCIM ↔ staff mapping', () => {
  it('maps userName, display name, primary role and active', () => {
    expect(
      staffFromScim({
        schemas: [SCIM_USER],
        userName: 'a@b.example',
        name: { givenName: 'Ann', familyName: 'Lee' },
        roles: [{ value: 'x' }, { value: 'accountant', primary: true }],
        active: false,
      }),
    ).toMatchObject({
      email: 'a@b.example',
      name: 'Ann Lee',
      orgRole: 'accountant',
      status: 'offboarded',
      source: 'scim',
    });
  });
});

import type { StaffRecord } from '@xero-access/model';
import { describe, expect, it } from 'vitest';
import { staffPatchFromScim } from './scim-patch.js';
import { scimPatchBody } from './scim.schemas.js';
import { SCIM_PATCH, ScimError } from './scim.types.js';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

const current: StaffRecord = {
  id: '0190f0d2-0000-7000-8000-000000000001',
  email: 'ann.lee@acme.example',
  name: 'Ann Lee',
  orgRole: 'accountant',
  status: 'active',
  offboardedAt: null,
  externalId: 'entra-1',
  source: 'scim',
  deletedAt: null,
  createdAt: new Date(),
  updatedAt: new Date(),
};

/** As the route does: the body through its schema (op lower-cased), then the mapping. */
const patchOf = (Operations: unknown[], member: StaffRecord = current) =>
  staffPatchFromScim(scimPatchBody.parse({ schemas: [SCIM_PATCH], Operations }), member);

const refusal = (Operations: unknown[]): ScimError => {
  try {
    patchOf(Operations);
  } catch (error) {
    if (error instanceof ScimError) return error;
    throw error;
  }
  throw new Error('expected the PATCH to be refused');
};

describe('SCIM PATCH → staff patch (RFC 7644 §3.5.2)', () => {
  it("applies active in Entra ID's batch and skips the attributes not kept, naming them without values", () => {
    const { patch, ignoredPaths } = patchOf([
      { op: 'Replace', path: 'active', value: 'False' },
      { op: 'Replace', path: 'name.givenName', value: 'Annie' },
      { op: 'Replace', path: 'name.familyName', value: 'Lee-Smith' },
      { op: 'Add', path: 'emails[type eq "work"].value', value: 'annie@acme.example' },
      { op: 'Add', path: `${ENTERPRISE}:department`, value: 'Leavers' },
      { op: 'Add', path: `${ENTERPRISE}:manager`, value: 'entra-9' },
      { op: 'Replace', path: 'phoneNumbers[type eq "mobile"].value', value: '+64 21 000' },
    ]);
    expect(patch).toEqual({ status: 'offboarded' });
    expect(ignoredPaths).toEqual([
      'name.givenName',
      'name.familyName',
      `${ENTERPRISE}:department`,
      `${ENTERPRISE}:manager`,
      'phoneNumbers[…].value',
      'emails[…].value',
    ]);
    expect(JSON.stringify(ignoredPaths)).not.toMatch(/annie|Leavers|entra-9|\+64|work|mobile/);
  });

  it("applies Entra ID's path-less value, whose keys are paths", () => {
    const { patch, ignoredPaths } = patchOf([
      {
        op: 'Replace',
        value: {
          active: 'False',
          displayName: 'Annie Lee',
          'name.givenName': 'Annie',
          [`${ENTERPRISE}:department`]: 'Leavers',
        },
      },
    ]);
    expect(patch).toEqual({ status: 'offboarded', name: 'Annie Lee' });
    expect(ignoredPaths).toEqual(['name.givenName', `${ENTERPRISE}:department`]);
  });

  it("applies Okta's path-less value with complex attributes and extension objects", () => {
    const { patch, ignoredPaths } = patchOf([
      {
        op: 'replace',
        value: {
          active: false,
          name: { givenName: 'Ann', familyName: 'Lee', formatted: 'Ann Lee' },
          emails: [{ value: 'ann.lee@acme.example', type: 'work', primary: true }],
          [ENTERPRISE]: { department: 'Finance', manager: { value: 'okta-9' } },
          'urn:okta:acme:1.0:user:custom': { costCentre: '42' },
        },
      },
      { op: 'remove', path: 'roles' },
    ]);
    expect(patch).toEqual({ status: 'offboarded', name: 'Ann Lee', orgRole: null });
    expect(ignoredPaths).toEqual([
      'name.givenName',
      'name.familyName',
      ENTERPRISE,
      'urn:okta:acme:1.0:user:custom',
      'emails',
    ]);
  });

  it('takes core attributes given with the core schema URN, and "True" to reactivate', () => {
    const offboarded = { ...current, status: 'offboarded' as const, offboardedAt: new Date() };
    expect(
      patchOf(
        [
          {
            op: 'replace',
            path: 'urn:ietf:params:scim:schemas:core:2.0:User:active',
            value: 'True',
          },
          { op: 'replace', path: 'urn:ietf:params:scim:schemas:core:2.0:User:title', value: 'cfo' },
        ],
        offboarded,
      ).patch,
    ).toEqual({ status: 'active', orgRole: 'cfo' });
  });

  it('keeps a leaver offboarded without restamping when active:false comes again', () => {
    const offboarded = { ...current, status: 'offboarded' as const, offboardedAt: new Date() };
    expect(patchOf([{ op: 'replace', path: 'active', value: false }], offboarded).patch).toEqual(
      {},
    );
  });

  it('uses the work email as PUT does: only for a userName that is not an email', () => {
    const workEmail = {
      op: 'replace',
      path: 'emails[type eq "work"].value',
      value: 'a@acme.example',
    };
    expect(patchOf([{ op: 'replace', path: 'userName', value: 'E1234' }, workEmail])).toEqual({
      patch: { email: 'a@acme.example' },
      ignoredPaths: [],
    });
    expect(
      patchOf([{ op: 'replace', path: 'userName', value: 'ann@acme.example' }, workEmail]),
    ).toEqual({ patch: { email: 'ann@acme.example' }, ignoredPaths: ['emails[…].value'] });
    expect(patchOf([{ op: 'replace', path: 'userName', value: 'E1234' }])).toEqual({
      patch: {},
      ignoredPaths: ['userName'],
    });
    expect(
      patchOf([
        { op: 'add', path: 'userName', value: 'E1234' },
        { op: 'add', path: 'emails', value: [{ value: 'b@acme.example', primary: 'True' }] },
      ]).patch,
    ).toEqual({ email: 'b@acme.example' });
    expect(
      patchOf([
        { op: 'add', path: 'userName', value: 'E1234' },
        { op: 'add', path: 'emails[type eq "home"].value', value: 'me@home.example' },
      ]).ignoredPaths,
    ).toEqual(['emails[…].value', 'userName']);
  });

  it('maps roles as PUT does: the primary role, before the title', () => {
    expect(
      patchOf([
        { op: 'replace', path: 'title', value: 'Accountant II' },
        { op: 'add', path: 'roles', value: [{ value: 'x' }, { value: 'cfo', primary: true }] },
      ]).patch,
    ).toEqual({ orgRole: 'cfo' });
    expect(
      patchOf([{ op: 'Replace', path: 'roles[primary eq "True"].value', value: 'auditor' }]).patch,
    ).toEqual({ orgRole: 'auditor' });
    expect(patchOf([{ op: 'remove', path: 'roles[value eq "accountant"]' }]).patch).toEqual({
      orgRole: null,
    });
    expect(patchOf([{ op: 'remove', path: 'roles', value: [{ value: 'other' }] }])).toEqual({
      patch: {},
      ignoredPaths: ['roles'],
    });
  });

  it('unassigns externalId and title with null or remove; ignores a remove of what a member always has', () => {
    expect(
      patchOf([
        { op: 'replace', path: 'externalId', value: null },
        { op: 'remove', path: 'title' },
        { op: 'remove', path: 'name.givenName' },
        { op: 'remove', path: 'emails[type eq "work"]' },
        { op: 'remove', path: `${ENTERPRISE}:manager` },
      ]),
    ).toEqual({
      patch: { externalId: null, orgRole: null },
      ignoredPaths: ['name.givenName', 'emails[…]', `${ENTERPRISE}:manager`],
    });
  });

  it('refuses a name no schema has (a misspelt active), with or without a path, changing nothing', () => {
    for (const operations of [
      [{ op: 'replace', path: 'actve', value: false }],
      [{ op: 'replace', value: { actve: false } }],
      [{ op: 'remove', path: 'actve' }],
      [{ op: 'replace', path: 'urn:ietf:params:scim:schemas:core:2.0:User:actve', value: false }],
    ]) {
      const error = refusal(operations);
      expect(error.scimType).toBe('invalidPath');
      expect(error.detail).toMatch(
        /"(urn:ietf:params:scim:schemas:core:2\.0:User:)?actve" is not an attribute/,
      );
    }
    expect(patchOf([{ op: 'replace', path: 'nickName', value: 'Jo' }]).ignoredPaths).toEqual([
      'nickName',
    ]);
  });

  it('accepts the unchanged id of a whole resource sent as a path-less value', () => {
    expect(patchOf([{ op: 'replace', value: { id: current.id, active: false } }]).patch).toEqual({
      status: 'offboarded',
    });
  });

  it.each([
    [
      'a value of the wrong type for active',
      [{ op: 'Replace', path: 'active', value: 'maybe' }],
      'invalidValue',
      'body.Operations.0.value: active must be a boolean',
    ],
    [
      'the same in a path-less value',
      [{ op: 'replace', value: { 'name.givenName': 'A', active: 1 } }],
      'invalidValue',
      'body.Operations.0.value.active: active must be a boolean',
    ],
    [
      'a number for userName',
      [{ op: 'replace', path: 'userName', value: 7 }],
      'invalidValue',
      'body.Operations.0.value: userName must be a non-empty string',
    ],
    [
      'a path that is not an attribute path',
      [{ op: 'replace', path: 'emails[type eq "work".value', value: 'a@b.example' }],
      'invalidPath',
      'body.Operations.0.path: "emails[type eq \\"work\\".value" is not a SCIM attribute path',
    ],
    [
      'a filter on a single-valued attribute',
      [{ op: 'replace', path: 'active[value eq "x"]', value: false }],
      'invalidPath',
      'body.Operations.0.path: active[value eq "x"] filters or selects',
    ],
    [
      'a change of id',
      [{ op: 'replace', path: 'id', value: 'someone-else' }],
      'mutability',
      'body.Operations.0.path: id is read-only',
    ],
    [
      'a remove of meta',
      [{ op: 'remove', path: 'meta.lastModified' }],
      'mutability',
      'body.Operations.0.path: meta.lastModified is read-only',
    ],
    [
      'a remove of userName',
      [{ op: 'remove', path: 'userName' }],
      'mutability',
      'body.Operations.0.path: userName cannot be removed',
    ],
    ['a remove without a path', [{ op: 'Remove' }], 'noTarget', 'body.Operations.0.path'],
    [
      'an add without a value',
      [{ op: 'add', path: `${ENTERPRISE}:department` }],
      'invalidValue',
      'body.Operations.0.value: add needs a value',
    ],
    [
      'a path-less value that is not an object',
      [{ op: 'replace', value: false }],
      'invalidValue',
      'body.Operations.0.value: an operation without a path needs an object',
    ],
    [
      'emails without a value',
      [{ op: 'add', path: 'emails', value: [{ type: 'work' }] }],
      'invalidValue',
      'body.Operations.0.value: emails must be objects with a non-empty string value',
    ],
  ])('refuses %s, naming where, even beside active:false', (_, operations, scimType, detail) => {
    const error = refusal(operations);
    expect(error).toMatchObject({ status: 400, scimType });
    expect(error.detail).toContain(detail);
    const batched = refusal([...operations, { op: 'replace', path: 'active', value: false }]);
    expect(batched.scimType).toBe(scimType);
  });
});

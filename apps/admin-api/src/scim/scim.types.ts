import type { StaffRecord } from '@xero-access/model';

export const SCIM_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const SCIM_LIST = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const SCIM_ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';
export const SCIM_PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const SCIM_CONTENT_TYPE = 'application/scim+json; charset=utf-8';

/** RFC 7644 §3.12 scimType values used here. */
export type ScimType =
  | 'invalidFilter'
  | 'uniqueness'
  | 'invalidSyntax'
  | 'invalidValue'
  | 'invalidPath'
  | 'noTarget'
  | 'mutability';

export class ScimError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly scimType?: ScimType,
  ) {
    super(detail);
  }
}

export interface ScimUser {
  schemas: string[];
  id: string;
  externalId?: string;
  userName: string;
  name: { formatted: string };
  displayName: string;
  emails: { value: string; primary: boolean; type: string }[];
  roles: { value: string; primary: boolean }[];
  active: boolean;
  meta: {
    resourceType: 'User';
    created: string;
    lastModified: string;
    location: string;
    version: string;
  };
}

export function toScimUser(s: StaffRecord, baseUrl: string): ScimUser {
  return {
    schemas: [SCIM_USER],
    id: s.id,
    ...(s.externalId ? { externalId: s.externalId } : {}),
    userName: s.email,
    name: { formatted: s.name },
    displayName: s.name,
    emails: [{ value: s.email, primary: true, type: 'work' }],
    roles: s.orgRole ? [{ value: s.orgRole, primary: true }] : [],
    active: s.status === 'active',
    meta: {
      resourceType: 'User',
      created: s.createdAt.toISOString(),
      lastModified: s.updatedAt.toISOString(),
      location: `${baseUrl}/scim/v2/Users/${s.id}`,
      version: `W/"${s.updatedAt.getTime()}"`,
    },
  };
}

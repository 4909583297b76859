import type { StaffInput, StaffRecord } from '@xero-access/model';
import { scimBoolean } from './scim-values.js';
import type { ScimPatchBody, ScimUserBody } from './scim.schemas.js';
import { ScimError } from './scim.types.js';

function displayName(body: ScimUserBody): string {
  const n = body.name;
  const composed = [n?.givenName, n?.familyName].filter(Boolean).join(' ');
  return body.displayName ?? (n?.formatted || composed || body.userName);
}

function primary<T extends { primary?: boolean }>(values: T[] | undefined): T | undefined {
  return values?.find((v) => v.primary) ?? values?.[0];
}

/**
 * SCIM User → staff member: userName is the work email, `roles` (primary first) or `title` is the
 * org role the access checks map, `active: false` offboards. `previous` is the member a PUT
 * replaces: without `active` (optional in RFC 7643) it keeps its status and offboarding date, so a
 * provider that leaves the attribute out never reactivates a leaver. A create without it is active.
 */
export function staffFromScim(body: ScimUserBody, previous?: StaffRecord): StaffInput {
  const email = body.userName.includes('@')
    ? body.userName
    : (primary(body.emails)?.value ?? body.userName);
  const active = body.active ?? (previous ? previous.status === 'active' : true);
  return {
    email,
    name: displayName(body),
    orgRole: primary(body.roles)?.value ?? body.title ?? null,
    status: active ? 'active' : 'offboarded',
    ...(active
      ? {}
      : previous?.status === 'offboarded' && previous.offboardedAt
        ? { offboardedAt: previous.offboardedAt }
        : {}),
    externalId: body.externalId ?? null,
    source: 'scim',
  };
}

/** Applies PatchOp operations on the attributes kept here; anything else is invalidPath. */
export function staffPatchFromScim(body: ScimPatchBody, current: StaffRecord): Partial<StaffInput> {
  const patch: Partial<StaffInput> = {};
  const set = (path: string, value: unknown) => {
    switch (path.toLowerCase()) {
      case 'active': {
        const active = scimBoolean(value);
        if (active === undefined)
          throw new ScimError(400, 'active must be a boolean', 'invalidValue');
        patch.status = active ? 'active' : 'offboarded';
        return;
      }
      case 'username':
        if (typeof value !== 'string' || !value.trim())
          throw new ScimError(400, 'userName must be a non-empty string', 'invalidValue');
        patch.email = value;
        return;
      case 'displayname':
      case 'name.formatted':
        if (typeof value !== 'string' || !value.trim())
          throw new ScimError(400, `${path} must be a non-empty string`, 'invalidValue');
        patch.name = value;
        return;
      case 'externalid':
        if (typeof value !== 'string')
          throw new ScimError(400, 'externalId must be a string', 'invalidValue');
        patch.externalId = value;
        return;
      case 'title':
        patch.orgRole = typeof value === 'string' && value ? value : null;
        return;
      default:
        throw new ScimError(
          400,
          `attribute ${path} is not supported by this directory`,
          'invalidPath',
        );
    }
  };
  for (const operation of body.Operations) {
    if (operation.op === 'remove') {
      const path = operation.path?.toLowerCase();
      if (path === 'title') patch.orgRole = null;
      else if (path === 'externalid') patch.externalId = null;
      else
        throw new ScimError(
          400,
          `remove is not supported for ${operation.path ?? '(no path)'}`,
          operation.path ? 'mutability' : 'noTarget',
        );
      continue;
    }
    if (operation.path) {
      set(operation.path, operation.value);
    } else if (
      operation.value &&
      typeof operation.value === 'object' &&
      !Array.isArray(operation.value)
    ) {
      // Okta and Entra ID send `{"op":"replace","value":{"active":false}}` without a path.
      for (const [key, value] of Object.entries(operation.value)) set(key, value);
    } else {
      throw new ScimError(400, 'an operation without a path needs an object value', 'invalidValue');
    }
  }
  if (patch.status === 'offboarded' && current.status === 'offboarded') delete patch.status;
  return patch;
}

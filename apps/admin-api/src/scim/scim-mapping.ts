import type { StaffInput, StaffRecord } from '@xero-access/model';
import type { ScimUserBody } from './scim.schemas.js';

function displayName(body: ScimUserBody): string {
  const n = body.name;
  const composed = [n?.givenName, n?.familyName].filter(Boolean).join(' ');
  return body.displayName ?? (n?.formatted || composed || body.userName);
}

/** The primary of a multi-valued attribute's values, else the first. */
export function primary<T extends { primary?: boolean }>(values: T[] | undefined): T | undefined {
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

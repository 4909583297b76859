import { ScimError } from './scim.types.js';

export interface ScimEqFilter {
  attribute: 'userName' | 'externalId';
  value: string;
}

/**
 * The filters provisioning clients send to find a user before creating it:
 * `userName eq "…"` and `externalId eq "…"` (attribute names case-insensitive, RFC 7644 §3.4.2.2).
 */
export function parseScimFilter(filter: string): ScimEqFilter {
  const match = /^\s*(userName|externalId)\s+eq\s+"((?:[^"\\]|\\.)*)"\s*$/i.exec(filter);
  if (!match)
    throw new ScimError(
      400,
      'only the filters userName eq "…" and externalId eq "…" are supported',
      'invalidFilter',
    );
  const attribute = match[1]!.toLowerCase() === 'username' ? 'userName' : 'externalId';
  try {
    return { attribute, value: JSON.parse(`"${match[2]!}"`) as string };
  } catch {
    throw new ScimError(400, 'the filter value is not a valid quoted string', 'invalidFilter');
  }
}

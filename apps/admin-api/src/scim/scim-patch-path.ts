import { ScimError } from './scim.types.js';

const CORE_USER_PREFIX = 'urn:ietf:params:scim:schemas:core:2.0:user';

/** `type eq "work"`, `primary eq true`: the value filters provisioning clients put in a path. */
export interface ScimValueFilter {
  attribute: string;
  value: string | boolean;
}

/**
 * A PatchOp path (RFC 7644 §3.5.2, §3.10): a core User attribute, lower-cased, with its value
 * filter (`unsupported` for filters other than `attr eq value`) and sub-attribute; or an attribute
 * of an extension schema (`urn:…:enterprise:2.0:User:department`), none of which is kept here.
 */
export type ScimPatchPath =
  | {
      kind: 'core';
      attribute: string;
      filter?: ScimValueFilter | 'unsupported';
      subAttribute?: string;
    }
  | { kind: 'extension' }
  /** The core schema's URN alone: its value is an object of core attributes. */
  | { kind: 'core-schema' };

const ATTRIBUTE_PATH = /^([a-z][\w$-]*)(?:\[([^[\]]+)\])?(?:\.([a-z][\w$-]*))?$/i;
const EQ_FILTER = /^\s*([a-z][\w$-]*)\s+eq\s+(?:"((?:[^"\\]|\\.)*)"|(true|false))\s*$/i;

function parseValueFilter(filter: string): ScimValueFilter | 'unsupported' {
  const match = EQ_FILTER.exec(filter);
  if (!match) return 'unsupported';
  const attribute = match[1]!.toLowerCase();
  if (match[3] !== undefined) return { attribute, value: match[3].toLowerCase() === 'true' };
  try {
    return { attribute, value: JSON.parse(`"${match[2]!}"`) as string };
  } catch {
    return 'unsupported';
  }
}

/** Parses a path; one that is not an attribute path at all is refused with invalidPath. */
export function parsePatchPath(path: string, field: string): ScimPatchPath {
  let rest = path.trim();
  if (/^urn:/i.test(rest)) {
    const lower = rest.toLowerCase();
    if (lower === CORE_USER_PREFIX) return { kind: 'core-schema' };
    if (!lower.startsWith(`${CORE_USER_PREFIX}:`)) return { kind: 'extension' };
    rest = rest.slice(CORE_USER_PREFIX.length + 1);
  }
  const match = ATTRIBUTE_PATH.exec(rest);
  if (!match)
    throw new ScimError(
      400,
      `${field}: ${JSON.stringify(path)} is not a SCIM attribute path (attribute, ` +
        'attribute.subAttribute or attribute[filter].subAttribute, RFC 7644 §3.10)',
      'invalidPath',
    );
  return {
    kind: 'core',
    attribute: match[1]!.toLowerCase(),
    ...(match[2] !== undefined ? { filter: parseValueFilter(match[2]) } : {}),
    ...(match[3] !== undefined ? { subAttribute: match[3].toLowerCase() } : {}),
  };
}

/** The path without its filter's contents, which may hold personal data: safe to log. */
export function loggablePath(path: string): string {
  return path.trim().replace(/\[[^\]]*\]/g, '[…]');
}

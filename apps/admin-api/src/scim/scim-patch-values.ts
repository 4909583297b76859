/** Value checks and errors of PatchOp operations: each error names where in the body it is. */
import type { ScimPatchPath, ScimValueFilter } from './scim-patch-path.js';
import { scimBoolean } from './scim-values.js';
import { ScimError } from './scim.types.js';

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Where a value came from: its place in the body, its path's place, and the path itself. */
export interface Target {
  where: string;
  pathField: string;
  path: string;
}

export function invalidValue({ where, path }: Target, problem: string): ScimError {
  return new ScimError(400, `${where}: ${path} ${problem}`, 'invalidValue');
}

export function nonEmptyString(value: unknown, target: Target): string {
  if (typeof value !== 'string' || !value.trim())
    throw invalidValue(target, 'must be a non-empty string');
  return value;
}

/** An empty string or null unassigns (RFC 7644 §3.5.2.3). */
export function optionalString(value: unknown, target: Target): string | null {
  if (value === null || value === '') return null;
  if (typeof value !== 'string') throw invalidValue(target, 'must be a string or null');
  return value;
}

/** The values of a multi-valued attribute (emails, roles): objects with a string `value`. */
export function multiValues(value: unknown, target: Target): { value: string; primary: boolean }[] {
  const items = Array.isArray(value) ? value : [value];
  return items.map((item) => {
    if (!isObject(item) || typeof item.value !== 'string' || !item.value.trim())
      throw invalidValue(target, 'must be objects with a non-empty string value');
    return { value: item.value, primary: scimBoolean(item.primary) ?? false };
  });
}

/** `[type eq "work"]` or `[primary eq true]`: the email a PUT would take. */
export function selectsWorkEmail(filter: ScimValueFilter | 'unsupported'): boolean {
  if (filter === 'unsupported') return false;
  if (filter.attribute === 'type') return String(filter.value).toLowerCase() === 'work';
  return filter.attribute === 'primary' && scimBoolean(filter.value) === true;
}

export function selectsPrimary(filter: ScimValueFilter | 'unsupported'): boolean {
  return (
    filter !== 'unsupported' && filter.attribute === 'primary' && scimBoolean(filter.value) === true
  );
}

export type CorePath = ScimPatchPath & { kind: 'core' };

export function requireSimple(path: CorePath, target: Target): void {
  if (path.filter || path.subAttribute) throw notMultiValued(target);
}

export function notMultiValued({ pathField, path }: Target): ScimError {
  return new ScimError(
    400,
    `${pathField}: ${path} filters or selects a part of an attribute that has none`,
    'invalidPath',
  );
}

export function readOnly({ pathField, path }: Target): ScimError {
  return new ScimError(
    400,
    `${pathField}: ${path} is read-only and cannot be changed`,
    'mutability',
  );
}

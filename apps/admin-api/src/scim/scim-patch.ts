import type { StaffInput, StaffRecord } from '@xero-access/model';
import { primary } from './scim-mapping.js';
import { loggablePath, parsePatchPath, type ScimPatchPath } from './scim-patch-path.js';
import {
  type CorePath,
  invalidValue,
  isObject,
  multiValues,
  nonEmptyString,
  notMultiValued,
  optionalString,
  readOnly,
  requireSimple,
  selectsPrimary,
  selectsWorkEmail,
  type Target,
} from './scim-patch-values.js';
import { scimBoolean } from './scim-values.js';
import type { ScimPatchBody } from './scim.schemas.js';
import { ScimError } from './scim.types.js';

export interface StaffPatch {
  patch: Partial<StaffInput>;
  /** Attributes the directory does not keep, skipped as a PUT skips them (filters elided). */
  ignoredPaths: string[];
}

/** What the operations set among the attributes kept here, in order (a later one wins). */
interface PatchedAttributes {
  active?: boolean;
  userName?: string;
  workEmail?: string;
  displayName?: string;
  formattedName?: string;
  externalId?: string | null;
  title?: string | null;
  role?: string | null;
}

type PatchOperation = ScimPatchBody['Operations'][number];

/** Read-only attributes (RFC 7643 §3.1); `meta` given with a value is ignored, as PUT does. */
const READ_ONLY = new Set(['id', 'meta']);

/**
 * The core User attributes (RFC 7643 §4.1, and `schemas`) the directory does not keep: skipped.
 * Any other name is no attribute of the schema (`actve`), refused so a misspelt offboarding is
 * not answered 200 with nothing changed.
 */
const CORE_NOT_KEPT = new Set([
  'schemas',
  'nickname',
  'profileurl',
  'usertype',
  'preferredlanguage',
  'locale',
  'timezone',
  'password',
  'phonenumbers',
  'ims',
  'photos',
  'addresses',
  'groups',
  'entitlements',
  'x509certificates',
]);

/**
 * Applies PatchOp operations (RFC 7644 §3.5.2) to a staff member with PUT's mapping. Attributes
 * the directory does not keep (name.givenName, phone numbers, extension schemas such as the
 * enterprise department and manager) are skipped and listed, so a provider batching them with
 * `active` still offboards the leaver. Refused: a path that is not an attribute path, a value of
 * the wrong type for a kept attribute, and changes to read-only or required attributes.
 */
class StaffPatchReader {
  private readonly attributes: PatchedAttributes = {};
  private readonly ignored: string[] = [];
  private readonly emailPaths: string[] = [];

  constructor(private readonly current: StaffRecord) {}

  read(operation: PatchOperation, index: number): void {
    const at = `body.Operations.${index}`;
    if (operation.op === 'remove') {
      if (operation.path === undefined)
        throw new ScimError(400, `${at}.path: remove needs a path`, 'noTarget');
      this.remove(operation.path, operation.value, `${at}.path`);
      return;
    }
    if (operation.value === undefined)
      throw new ScimError(400, `${at}.value: ${operation.op} needs a value`, 'invalidValue');
    if (operation.path === undefined) {
      // Okta and Entra ID send `{"op":"replace","value":{"active":false}}` without a path.
      this.writeObject(operation.value, `${at}.value`);
      return;
    }
    const path = parsePatchPath(operation.path, `${at}.path`);
    this.write(path, operation.value, {
      where: `${at}.value`,
      pathField: `${at}.path`,
      path: operation.path,
    });
  }

  /** A path-less value, or the core schema's: attribute (or path) → value. */
  private writeObject(value: unknown, where: string): void {
    if (!isObject(value))
      throw new ScimError(
        400,
        `${where}: an operation without a path needs an object of attributes`,
        'invalidValue',
      );
    for (const [key, item] of Object.entries(value)) {
      const field = `${where}.${key}`;
      this.write(parsePatchPath(key, field), item, { where: field, pathField: field, path: key });
    }
  }

  private write(path: ScimPatchPath, value: unknown, target: Target): void {
    if (path.kind === 'extension') return this.ignore(target.path);
    if (path.kind === 'core-schema') return this.writeObject(value, target.where);
    const a = this.attributes;
    switch (path.attribute) {
      case 'id':
        // A path-less value may be the whole resource, its id included: only a change is refused.
        if (value !== this.current.id) throw readOnly(target);
        return;
      case 'active': {
        requireSimple(path, target);
        const active = scimBoolean(value);
        if (active === undefined)
          throw invalidValue(target, 'must be a boolean (true, false, "True" or "False")');
        a.active = active;
        return;
      }
      case 'username':
        requireSimple(path, target);
        a.userName = nonEmptyString(value, target).trim();
        return;
      case 'displayname':
        requireSimple(path, target);
        a.displayName = nonEmptyString(value, target);
        return;
      case 'externalid':
        requireSimple(path, target);
        a.externalId = optionalString(value, target);
        return;
      case 'title':
        requireSimple(path, target);
        a.title = optionalString(value, target);
        return;
      case 'name':
        return this.writeName(path, value, target);
      case 'emails':
        return this.writeEmail(path, value, target);
      case 'roles':
        return this.writeRole(path, value, target);
      default:
        return this.ignoreCore(path.attribute, target);
    }
  }

  /** The name kept is displayName or name.formatted; given and family names are not kept. */
  private writeName(path: CorePath, value: unknown, target: Target): void {
    if (path.filter) throw notMultiValued(target);
    if (path.subAttribute === 'formatted')
      this.attributes.formattedName = nonEmptyString(value, target);
    else if (path.subAttribute) this.ignore(target.path);
    else if (!isObject(value)) throw invalidValue(target, 'must be an object');
    else
      for (const [key, item] of Object.entries(value)) {
        const field = `${target.where}.${key}`;
        const part = { where: field, pathField: field, path: `name.${key}` };
        this.write(parsePatchPath(part.path, field), item, part);
      }
  }

  private writeEmail({ filter, subAttribute }: CorePath, value: unknown, target: Target): void {
    let email: string | undefined;
    if (!filter && !subAttribute) email = primary(multiValues(value, target))?.value;
    else if (filter && selectsWorkEmail(filter) && subAttribute === 'value')
      email = nonEmptyString(value, target);
    else if (filter && selectsWorkEmail(filter) && !subAttribute)
      email = multiValues(value, target)[0]?.value;
    if (email === undefined) return this.ignore(target.path);
    this.attributes.workEmail = email.trim();
    this.emailPaths.push(loggablePath(target.path));
  }

  private writeRole({ filter, subAttribute }: CorePath, value: unknown, target: Target): void {
    if (!filter && !subAttribute)
      this.attributes.role = primary(multiValues(value, target))?.value ?? null;
    else if (filter && selectsPrimary(filter) && subAttribute === 'value')
      this.attributes.role = nonEmptyString(value, target);
    else if (filter && selectsPrimary(filter) && !subAttribute)
      this.attributes.role = multiValues(value, target)[0]?.value ?? null;
    else this.ignore(target.path);
  }

  private remove(rawPath: string, value: unknown, where: string): void {
    const path = parsePatchPath(rawPath, where);
    const target = { where, pathField: where, path: rawPath };
    if (path.kind === 'extension') return this.ignore(rawPath);
    if (path.kind === 'core-schema' || path.attribute === 'username')
      throw new ScimError(
        400,
        `${where}: ${rawPath} cannot be removed (userName is required)`,
        'mutability',
      );
    if (READ_ONLY.has(path.attribute)) throw readOnly(target);
    switch (path.attribute) {
      case 'externalid':
        requireSimple(path, target);
        this.attributes.externalId = null;
        return;
      case 'title':
        requireSimple(path, target);
        this.attributes.title = null;
        return;
      case 'roles':
        if (this.removesRole(path.filter, value)) this.attributes.role = null;
        else this.ignore(rawPath);
        return;
      case 'active':
      case 'name':
      case 'displayname':
      case 'emails':
        // They stay: a member always has a status, a name and an email.
        return this.ignore(rawPath);
      default:
        return this.ignoreCore(path.attribute, target);
    }
  }

  /** Whether a remove on roles takes the role kept here: all roles, the primary, or that value. */
  private removesRole(filter: CorePath['filter'], value: unknown): boolean {
    const role = this.attributes.role !== undefined ? this.attributes.role : this.current.orgRole;
    if (filter === 'unsupported') return false;
    if (filter)
      return selectsPrimary(filter) || (filter.attribute === 'value' && filter.value === role);
    if (value === undefined) return true;
    const listed = Array.isArray(value) ? value : [value];
    return listed.some((item) => isObject(item) && item.value === role);
  }

  private ignore(rawPath: string): void {
    this.ignored.push(loggablePath(rawPath));
  }

  /** A core attribute not handled above: skipped when the schema has it, else refused. */
  private ignoreCore(attribute: string, target: Target): void {
    if (CORE_NOT_KEPT.has(attribute)) return this.ignore(target.path);
    throw new ScimError(
      400,
      `${target.pathField}: ${JSON.stringify(loggablePath(target.path))} is not an attribute of ` +
        'the core User schema (RFC 7643 §4.1) nor of an extension schema',
      'invalidPath',
    );
  }

  /** PUT's mapping over what the operations set; what it does not take is reported as ignored. */
  result(): StaffPatch {
    const a = this.attributes;
    const patch: Partial<StaffInput> = {};
    if (a.active !== undefined && !(a.active === false && this.current.status === 'offboarded'))
      patch.status = a.active ? 'active' : 'offboarded';
    // As in PUT, userName is the email, and the work email counts only for a userName that is
    // not one: providers find the user again by userName (`filter=userName eq "…"`).
    const userNameIsEmail = a.userName?.includes('@') ?? false;
    const emailFromEmails =
      a.userName !== undefined && !userNameIsEmail && a.workEmail !== undefined;
    if (userNameIsEmail) patch.email = a.userName;
    else if (emailFromEmails) patch.email = a.workEmail;
    else if (a.userName !== undefined) this.ignored.push('userName');
    if (!emailFromEmails) this.ignored.push(...this.emailPaths);
    const name = a.displayName ?? a.formattedName;
    if (name !== undefined) patch.name = name;
    if (a.role !== undefined) patch.orgRole = a.role ?? a.title ?? null;
    else if (a.title !== undefined) patch.orgRole = a.title;
    if (a.externalId !== undefined) patch.externalId = a.externalId;
    return { patch, ignoredPaths: this.ignored };
  }
}

export function staffPatchFromScim(body: ScimPatchBody, current: StaffRecord): StaffPatch {
  const reader = new StaffPatchReader(current);
  body.Operations.forEach((operation, index) => reader.read(operation, index));
  return reader.result();
}

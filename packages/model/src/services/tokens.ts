import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { UniqueConstraintViolationException, type RequiredEntityData } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/knex';
import { API_TOKEN_ROLES, ApiToken, type ApiTokenRole } from '../entities/api-token.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { isUuid, newId } from '../ids.js';
import { addAuditEntry, type AuditActor } from './audit.js';
import type { ServiceContext } from './context.js';
import { emailAddress } from './staff-input.js';
import {
  decodeTextCursor,
  encodeCursor,
  pageSize,
  toPage,
  type Page,
  type PageRequest,
} from './pagination.js';

export interface ApiTokenRecord {
  id: string;
  name: string;
  role: ApiTokenRole;
  /** The token's first characters, for recognising it; never enough to use it. */
  prefix: string;
  /** The person the token acts for (lowercased email); null for a service or shared token. */
  ownerEmail: string | null;
  createdBy: string | null;
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

/** What a token's secret does today: `active` tokens are accepted, `revoked` and `expired` refused. */
export type ApiTokenState = 'active' | 'expired' | 'revoked';

/** The state `verify` goes by: revoked (even if expired since), else expired at `expiresAt`. */
export function apiTokenState(
  token: Pick<ApiTokenRecord, 'revokedAt' | 'expiresAt'>,
  now = new Date(),
): ApiTokenState {
  if (token.revokedAt !== null) return 'revoked';
  if (token.expiresAt !== null && token.expiresAt <= now) return 'expired';
  return 'active';
}

export const TOKEN_PREFIX = 'xao_';

const PREFIX_LENGTH = 12;
/** lastUsedAt is refreshed at most this often, so verification is not a write per request. */
const LAST_USED_RESOLUTION_MS = 60_000;

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function toApiTokenRecord(t: ApiToken): ApiTokenRecord {
  return {
    id: t.id,
    name: t.name,
    role: t.role,
    prefix: t.prefix,
    ownerEmail: t.ownerEmail,
    createdBy: t.createdBy,
    createdAt: t.createdAt,
    expiresAt: t.expiresAt,
    lastUsedAt: t.lastUsedAt,
    revokedAt: t.revokedAt,
  };
}

export interface CreateTokenInput {
  name: string;
  role: ApiTokenRole;
  /** The person the token acts for, if it is one person's (see ApiToken.ownerEmail). */
  ownerEmail?: string | null;
  createdBy?: string | null;
  expiresAt?: Date | null;
  /** Use this secret (e.g. from a bootstrap Secret) instead of generating one; at least 32 characters. */
  token?: string;
  /**
   * Who makes the change when no audited request does (the CLI, start-up): the change then writes
   * its own audit entry in its transaction, and `createdBy` defaults to them. (The HTTP API's
   * interceptor audits its requests itself.)
   */
  by?: AuditActor;
}

/**
 * Why `name` cannot name an API token (undefined when it can): the rule `create` applies, for a
 * caller that checks its own input first (the admin API's CLI, naming its flag).
 */
export function tokenNameProblem(name: unknown): string | undefined {
  return typeof name === 'string' && /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(name)
    ? undefined
    : 'must be 1 to 128 letters, digits, dots, dashes or underscores';
}

/** Why `email` cannot be a token's ownerEmail (undefined when it can), as `create` checks it. */
export function tokenOwnerEmailProblem(email: unknown): string | undefined {
  return emailAddress.safeParse(email).success
    ? undefined
    : 'must be an email address of at most 320 characters';
}

/** Why `expiresAt` cannot be a new token's expiry (undefined when it can), as `create` checks it. */
export function tokenExpiryProblem(expiresAt: unknown, now = new Date()): string | undefined {
  if (!(expiresAt instanceof Date) || Number.isNaN(expiresAt.getTime()))
    return 'must be a valid date';
  return expiresAt <= now ? 'must be a date in the future' : undefined;
}

function validate(input: CreateTokenInput, now: Date): void {
  const nameProblem = tokenNameProblem(input.name);
  if (nameProblem) throw new ValidationError('name', nameProblem);
  if (!API_TOKEN_ROLES.includes(input.role))
    throw new ValidationError('role', `must be one of ${API_TOKEN_ROLES.join(', ')}`);
  const emailProblem =
    input.ownerEmail == null ? undefined : tokenOwnerEmailProblem(input.ownerEmail);
  if (emailProblem) throw new ValidationError('ownerEmail', emailProblem);
  const expiryProblem =
    input.expiresAt == null ? undefined : tokenExpiryProblem(input.expiresAt, now);
  if (expiryProblem) throw new ValidationError('expiresAt', expiryProblem);
  if (
    input.token !== undefined &&
    (typeof input.token !== 'string' || input.token.length < 32 || input.token.length > 512)
  ) {
    throw new ValidationError('token', 'must be 32 to 512 characters');
  }
}

function newRow(input: CreateTokenInput, token: string, now: Date): RequiredEntityData<ApiToken> {
  return {
    id: newId(),
    name: input.name,
    role: input.role,
    tokenHash: hashToken(token),
    prefix: token.slice(0, PREFIX_LENGTH),
    ownerEmail: input.ownerEmail == null ? null : emailAddress.parse(input.ownerEmail),
    createdBy: input.createdBy ?? input.by?.actor ?? null,
    createdAt: now,
    expiresAt: input.expiresAt ?? null,
  };
}

type TokenAction = 'token.create' | 'token.update' | 'token.revoke';

/** Audits a change to a token (resource type `tokens`, as the HTTP API's requests on /tokens). */
function recordTokenChange(
  em: SqlEntityManager,
  action: TokenAction,
  row: ApiToken,
  by: AuditActor,
  now: Date,
  change: Record<string, unknown> = {},
): void {
  // What the token is and may do; never its secret, hash or prefix.
  const details = {
    name: row.name,
    role: row.role,
    ownerEmail: row.ownerEmail,
    expiresAt: row.expiresAt?.toISOString() ?? null,
    ...change,
  };
  addAuditEntry(em, { ...by, action, resourceType: 'tokens', resourceId: row.id, details }, now);
}

const sameInstant = (a: Date | null, b: Date | null) =>
  (a?.getTime() ?? null) === (b?.getTime() ?? null);

/** The secret given to ensure is another token's already. */
function secretTaken(name: string): ConflictError {
  return new ConflictError(`another API token holds the secret given for ${name}`);
}

export class ApiTokenService {
  constructor(private readonly ctx: ServiceContext) {}

  /** Creates a token; the plaintext is returned once and only its sha256 is stored. */
  async create(
    input: CreateTokenInput,
    now = new Date(),
  ): Promise<{ token: string; record: ApiTokenRecord }> {
    validate(input, now);
    const token = input.token ?? `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
    const em = this.ctx.em();
    const row = em.create(ApiToken, newRow(input, token, now));
    if (input.by) recordTokenChange(em, 'token.create', row, input.by, now);
    try {
      await em.flush();
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException)
        throw new ConflictError(
          `an API token named ${input.name} (or with the same secret) already exists`,
        );
      throw error;
    }
    return { token, record: toApiTokenRecord(row) };
  }

  /**
   * Makes the named token hold exactly this secret and role (bootstrap Secret on every start):
   * creates it, updates it if the secret or role changed, and un-revokes nothing. Replicas
   * starting together on a new database all succeed: an insert that meets an existing row does
   * nothing (on PostgreSQL, one racing another's insert waits for its commit), then the row is
   * read and updated. ConflictError when another token holds this secret.
   *
   * Audited by `input.by` when it changes something: `token.create`, or `token.update` naming what
   * `changed` (`secret`, `role`, `expiresAt`) and the `previous` role or expiry. An unchanged
   * token (every restart) writes nothing, so restarts do not fill the audit log.
   */
  async ensure(
    input: CreateTokenInput & { token: string; by: AuditActor },
    now = new Date(),
  ): Promise<ApiTokenRecord> {
    validate(input, now);
    return this.ctx.em().transactional(async (em) => {
      const inserted = newRow(input, input.token, now);
      // No conflict target: every unique index is an arbiter. Naming only `name` would let the
      // token_hash index, which a racing insert of the same secret also conflicts on, fail it.
      await em.createQueryBuilder(ApiToken).insert(inserted).onConflict().ignore().execute();
      const row = await em.findOne(ApiToken, { name: input.name });
      if (!row) throw secretTaken(input.name);
      const tokenHash = hashToken(input.token);
      const expiresAt = input.expiresAt ?? null;
      const changed = [
        ...(row.tokenHash === tokenHash ? [] : ['secret']),
        ...(row.role === input.role ? [] : ['role']),
        ...(sameInstant(row.expiresAt, expiresAt) ? [] : ['expiresAt']),
      ];
      // What the change overwrote, but the secret (only that it changed).
      const previous = {
        ...(changed.includes('role') ? { role: row.role } : {}),
        ...(changed.includes('expiresAt')
          ? { expiresAt: row.expiresAt?.toISOString() ?? null }
          : {}),
      };
      row.tokenHash = tokenHash;
      row.prefix = input.token.slice(0, PREFIX_LENGTH);
      row.role = input.role;
      row.expiresAt = expiresAt;
      if (row.id === inserted.id) recordTokenChange(em, 'token.create', row, input.by, now);
      else if (changed.length)
        recordTokenChange(em, 'token.update', row, input.by, now, { changed, previous });
      try {
        await em.flush();
      } catch (error) {
        if (error instanceof UniqueConstraintViolationException) throw secretTaken(input.name);
        throw error;
      }
      return toApiTokenRecord(row);
    });
  }

  /** The token's record if the secret is valid, not revoked and not expired; otherwise null. */
  async verify(token: string, now = new Date()): Promise<ApiTokenRecord | null> {
    if (typeof token !== 'string' || token.length < 32 || token.length > 512) return null;
    const hash = hashToken(token);
    const em = this.ctx.em();
    const row = await em.findOne(ApiToken, { tokenHash: hash });
    // The lookup is by hash; compare again in constant time so the check never hinges on SQL collation.
    if (!row || !timingSafeEqual(Buffer.from(row.tokenHash), Buffer.from(hash))) return null;
    if (apiTokenState(row, now) !== 'active') return null;
    if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
      row.lastUsedAt = now;
      await em.flush();
    }
    return toApiTokenRecord(row);
  }

  /** By name (unique), keyset-paginated. */
  async list(page: PageRequest = {}): Promise<Page<ApiTokenRecord>> {
    const limit = pageSize(page.limit);
    const where = page.cursor
      ? { name: { $gt: decodeTextCursor(page.cursor, 'tokens').value } }
      : {};
    const rows = await this.ctx
      .em()
      .find(ApiToken, where, { orderBy: { name: 'asc' }, limit: limit + 1 });
    return toPage(rows, limit, toApiTokenRecord, (t) => encodeCursor('tokens', t.name, t.id));
  }

  /** Revokes (once: a revoked token keeps its time); audited by `by` (token.revoke) when given. */
  async revoke(id: string, by?: AuditActor, now = new Date()): Promise<ApiTokenRecord> {
    const em = this.ctx.em();
    if (!isUuid(id)) throw new NotFoundError('API token', String(id));
    const row = await em.findOne(ApiToken, { id });
    if (!row) throw new NotFoundError('API token', id);
    if (row.revokedAt === null) {
      row.revokedAt = now;
      if (by) recordTokenChange(em, 'token.revoke', row, by, now);
    }
    await em.flush();
    return toApiTokenRecord(row);
  }
}

import { LockMode, type EntityManager } from '@mikro-orm/core';
import type { Knex, SqlEntityManager } from '@mikro-orm/knex';
import { AuditLogEntry } from '../entities/audit-log-entry.js';
import { type Connection } from '../entities/connection.js';
import { SnapshotContent } from '../entities/snapshot-content.js';
import { Snapshot } from '../entities/snapshot.js';
import { NotFoundError, ValidationError } from '../errors.js';
import {
  chainHash,
  snapshotContentHash,
  snapshotContentText,
  ChainVerifier,
  type ChainVerification,
} from '../hashing/snapshot-hash.js';
import type { ExpectedLink } from '../hashing/expected-link.js';
import { isUuid, newId } from '../ids.js';
import { verifyPart, type ChainExportProgress } from '../snapshots/chain-export.js';
import { activeUserCount, deriveSnapshot } from '../snapshots/derived.js';
import { accessChanges, diffUsers, type SnapshotDiff } from '../snapshots/diff.js';
import {
  normaliseSnapshotUsers,
  type SnapshotUser,
  type SnapshotUserInput,
} from '../snapshots/snapshot-user.js';
import { recordedTakenAt } from '../snapshots/taken-at.js';
import { ensureConnection, findConnection } from './connections.js';
import { connectionKey, type ConnectionRef, type ServiceContext } from './context.js';
import { type Page, type PageRequest, newestFirstPage } from './pagination.js';
import { remediateReviewDecisions } from './review-remediation.js';
import { listChainGaps, type ChainGap } from './chain-gaps.js';
import { contentText } from './content-text.js';
import {
  ChainExportStream,
  listChains,
  openChain,
  withDerivedCheck,
  type ChainRef,
} from './snapshot-chain.js';
import { SNAPSHOT_PRUNE_AUDIT, snapshotChainResource } from './snapshot-retention.js';

export interface ChainVerifyOptions {
  /** Links the chain must hold: heads kept from earlier verifications (`parseExpectedLinks`). */
  expect?: readonly ExpectedLink[];
  /**
   * Told the records verified so far at most every `everyMs`, for a long chain (the CLIs:
   * `recordsVerifiedProgress`, the reporter of an export file's verification too).
   */
  progress?: ChainExportProgress;
}

export interface TenantRef {
  tenantId: string;
  tenantName: string;
}

export interface SnapshotRecord {
  id: string;
  connectionId: string;
  connection: ConnectionRef;
  tenantId: string;
  tenantName: string;
  sequence: number;
  takenAt: Date;
  /** Every user row Xero listed, REMOVED ones included: the rows `contentHash` covers. */
  userCount: number;
  /**
   * Users whose role is not REMOVED, the ones who can get in: what a connection's `userCount` and
   * a review's `progress.total` count. Counted when recorded (stored with the snapshot); counted
   * from the users when read for a row the previous version wrote during an upgrade.
   */
  activeUserCount: number;
  /** sha256 (hex) of the canonical JSON of the users. */
  contentHash: string;
  /** The chainHash of the tenant's previous snapshot; null for the first. */
  previousHash: string | null;
  previousId: string | null;
  /** sha256 (hex) of the canonical link fields (see README). */
  chainHash: string;
  /**
   * Who gained, lost or changed access since the previous snapshot (`accessChanges` of the stored
   * row diff: into REMOVED is a leaver, out of it a joiner); the first lists everyone with access.
   */
  diff: SnapshotDiff;
  createdAt: Date;
}

/** `SnapshotService.diff`: the two snapshots compared, and the changes. */
export interface SnapshotDiffBetween {
  from: { id: string; takenAt: Date };
  to: { id: string; takenAt: Date };
  diff: SnapshotDiff;
}

/**
 * Loads the users of the snapshots stored without an active user count (rows the previous version
 * wrote during the upgrade that added it), the only ones `toSnapshotRecord` must count.
 */
async function loadUncountedContent(em: EntityManager, snapshots: Snapshot[]): Promise<void> {
  const uncounted = snapshots.filter((s) => s.activeUserCount === null);
  if (uncounted.length > 0) await em.populate(uncounted, ['content']);
}

/** The stored count, or for a row without one (see loadUncountedContent) its users' count. */
function activeUserCountOf(s: Snapshot): number {
  if (s.activeUserCount !== null) return s.activeUserCount;
  return activeUserCount(JSON.parse(s.content.text) as SnapshotUser[]);
}

function toSnapshotRecord(s: Snapshot, connection: Connection): SnapshotRecord {
  return {
    id: s.id,
    connectionId: connection.id,
    connection: { namespace: connection.namespace, name: connection.name },
    tenantId: s.tenantId,
    tenantName: s.tenantName,
    sequence: s.sequence,
    takenAt: s.takenAt,
    userCount: s.userCount,
    activeUserCount: activeUserCountOf(s),
    contentHash: s.content.hash,
    previousHash: s.previousHash,
    previousId: s.previous?.id ?? null,
    chainHash: s.chainHash,
    diff: accessChanges(s.diff),
    createdAt: s.createdAt,
  };
}

/**
 * Runs an insert with its values bound as parameters. MikroORM's own `execute` inlines every
 * value into the SQL text (AbstractSqlConnection.execute → formatQuery), and its unit of work
 * keeps copies of what it flushes: for a snapshot's users (23 MB for 100,000) or a first
 * snapshot's diff (everyone a joiner) that is several more strings or objects of that size, which
 * ran the reconciler out of memory.
 */
async function insertWithParameters(
  em: SqlEntityManager,
  insert: { getKnexQuery(): Knex.QueryBuilder },
): Promise<void> {
  const query = insert.getKnexQuery();
  const transaction = em.getTransactionContext<Knex.Transaction>();
  try {
    await (transaction ? query.transacting(transaction) : query);
  } catch (error) {
    // As MikroORM raises it (UniqueConstraintViolationException…), for the callers' checks.
    throw em.getDriver().convertException(error as Error);
  }
}

/**
 * Stores the users as the content row of `hash` unless it exists (then no users are sent). On
 * PostgreSQL the row is then held (`for share`) until the snapshot that refers to it commits: a
 * prune deleting the contents nothing uses locks them first (snapshot-retention.ts), so either it
 * waits for this snapshot and keeps the content, or this waits for its delete, finds the row gone
 * and stores it again. SQLite runs one transaction at a time: nothing comes between.
 */
async function storeContent(
  em: SqlEntityManager,
  hash: string,
  users: readonly SnapshotUser[],
  now: Date,
  postgres: boolean,
): Promise<void> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const look = em.createQueryBuilder(SnapshotContent).select('hash').where({ hash });
    if (postgres) look.setLockMode(LockMode.PESSIMISTIC_READ);
    const stored: unknown = await look.execute('get');
    if (stored) return;
    const insert = em
      .createQueryBuilder(SnapshotContent)
      .insert({ hash, text: snapshotContentText(users), userCount: users.length, createdAt: now })
      // Another writer may store the same users between the look and this insert.
      .onConflict(['hash'])
      .ignore();
    await insertWithParameters(em, insert);
  }
}

/** The users of a stored content; a NotFoundError when its row is gone. */
async function storedUsers(em: SqlEntityManager, hash: string): Promise<SnapshotUser[]> {
  const text = await contentText(em, hash);
  if (text === null) throw new NotFoundError('snapshot content', hash);
  return JSON.parse(text) as SnapshotUser[];
}

/**
 * Whether the newest audit entry of the chain's prunes (written with each checkpoint move, in its
 * transaction) names this checkpoint's sequence and chainHash.
 */
async function checkpointAudited(
  em: SqlEntityManager,
  connection: string,
  tenantId: string,
  checkpoint: { sequence: number; chainHash: string },
): Promise<boolean> {
  const entry = await em.findOne(
    AuditLogEntry,
    {
      action: SNAPSHOT_PRUNE_AUDIT.action,
      resourceType: SNAPSHOT_PRUNE_AUDIT.resourceType,
      resourceId: snapshotChainResource(connection, tenantId),
    },
    { orderBy: { at: 'desc', id: 'desc' } },
  );
  const details = entry?.details;
  return details?.sequence === checkpoint.sequence && details?.chainHash === checkpoint.chainHash;
}

function validateTenant(tenant: TenantRef): void {
  if (
    typeof tenant.tenantId !== 'string' ||
    tenant.tenantId.length === 0 ||
    tenant.tenantId.length > 64
  ) {
    throw new ValidationError(
      'tenant.tenantId',
      'must be a non-empty string of at most 64 characters',
    );
  }
  if (typeof tenant.tenantName !== 'string' || tenant.tenantName.length > 255) {
    throw new ValidationError('tenant.tenantName', 'must be a string of at most 255 characters');
  }
}

export class SnapshotService {
  constructor(private readonly ctx: ServiceContext) {}

  /**
   * Records one sync of one tenant. Always a new snapshot, even when nothing changed: each sync
   * is evidence that access was checked at `takenAt` (unchanged users share one content row).
   * Chains it to the tenant's previous snapshot, stores the diff, and marks review decisions
   * (revoke / change-role) remediated when these users show the access gone. A `takenAt` not
   * later than the previous snapshot's (this replica's clock is behind the one that recorded it)
   * is recorded as 1 ms after it (recordedTakenAt): the record's `takenAt` is the one recorded,
   * which the chain hash covers.
   */
  async record(
    connection: ConnectionRef,
    tenant: TenantRef,
    users: readonly SnapshotUserInput[],
    takenAt: Date,
  ): Promise<SnapshotRecord> {
    validateTenant(tenant);
    if (!(takenAt instanceof Date) || Number.isNaN(takenAt.getTime()))
      throw new ValidationError('takenAt', 'must be a valid Date');
    const normalised = normaliseSnapshotUsers(users);
    // The text itself is built only if no content row has this hash.
    const contentHash = snapshotContentHash(normalised);
    const now = new Date();

    return this.ctx.em().transactional(async (em) => {
      // Locking the connection row serialises writers of its chains (PostgreSQL; SQLite
      // transactions are serialised already). The unique sequence is the last line of defence.
      const conn = await ensureConnection(em, connection, now, this.ctx.dialect === 'postgresql');
      const previous = await em.findOne(
        Snapshot,
        { connection: conn, tenantId: tenant.tenantId },
        { orderBy: { sequence: 'desc' } },
      );
      const recordedAt = recordedTakenAt(takenAt, previous?.takenAt);
      const derived = await deriveSnapshot(
        normalised,
        contentHash,
        previous && {
          contentHash: previous.content.hash,
          users: () => storedUsers(em, previous.content.hash),
        },
      );
      await storeContent(em, contentHash, normalised, now, this.ctx.dialect === 'postgresql');
      const sequence = (previous?.sequence ?? 0) + 1;
      const previousHash = previous?.chainHash ?? null;
      const link = {
        connection: connectionKey(connection),
        tenantId: tenant.tenantId,
        tenantName: tenant.tenantName,
        sequence,
        takenAt: recordedAt,
        contentHash,
        previousHash,
      };
      const snapshot = Object.assign(new Snapshot(), {
        id: newId(),
        connection: conn,
        tenantId: tenant.tenantId,
        tenantName: tenant.tenantName,
        sequence,
        takenAt: recordedAt,
        ...derived,
        content: em.getReference(SnapshotContent, contentHash),
        previous: previous ?? null,
        previousHash,
        chainHash: chainHash(link),
        createdAt: now,
      });
      // Inserted outside the unit of work (see insertWithParameters), from a plain object (given
      // the entity, the query builder encodes its JSON twice); what refers to it from now on gets
      // a managed reference.
      await insertWithParameters(em, em.createQueryBuilder(Snapshot).insert({ ...snapshot }));
      if (!conn.lastSyncAt || conn.lastSyncAt < recordedAt) conn.lastSyncAt = recordedAt;
      conn.updatedAt = now;
      await em.flush();
      const stored = em.getReference(Snapshot, snapshot.id);
      await remediateReviewDecisions(em, conn, tenant.tenantId, stored, normalised, recordedAt);
      return toSnapshotRecord(snapshot, conn);
    });
  }

  async get(id: string): Promise<SnapshotRecord | null> {
    if (!isUuid(id)) return null;
    const em = this.ctx.em();
    const s = await em.findOne(Snapshot, { id }, { populate: ['connection'] });
    if (!s) return null;
    await loadUncountedContent(em, [s]);
    return toSnapshotRecord(s, s.connection);
  }

  /** The tenant's most recent snapshot, or null before the first sync. */
  async latest(connection: ConnectionRef, tenantId: string): Promise<SnapshotRecord | null> {
    const em = this.ctx.em();
    const conn = await findConnection(em, connection);
    if (!conn) return null;
    const s = await em.findOne(
      Snapshot,
      { connection: conn, tenantId },
      { orderBy: { sequence: 'desc' } },
    );
    if (!s) return null;
    await loadUncountedContent(em, [s]);
    return toSnapshotRecord(s, conn);
  }

  /** A connection's snapshots, newest first (optionally one tenant's). */
  async list(
    connection: ConnectionRef,
    options: PageRequest & { tenantId?: string } = {},
  ): Promise<Page<SnapshotRecord>> {
    const em = this.ctx.em();
    const conn = await findConnection(em, connection);
    if (!conn) return { items: [], nextCursor: null };
    const qb = em.createQueryBuilder(Snapshot, 's').select('*').where({ connection: conn.id });
    if (options.tenantId !== undefined) qb.andWhere({ tenantId: options.tenantId });
    const page = await newestFirstPage(em, qb, {
      scope: 'snapshots',
      column: 's.taken_at',
      property: 'takenAt',
      timeOf: (s) => s.takenAt,
      page: options,
      map: (s) => s,
    });
    await loadUncountedContent(em, page.items);
    return { ...page, items: page.items.map((s) => toSnapshotRecord(s, conn)) };
  }

  /** The users a snapshot recorded, sorted by userId. */
  async users(id: string): Promise<SnapshotUser[]> {
    const em = this.ctx.em();
    if (!isUuid(id)) throw new NotFoundError('snapshot', String(id));
    const s = await em.findOne(Snapshot, { id }, { populate: ['content'] });
    if (!s) throw new NotFoundError('snapshot', id);
    return JSON.parse(s.content.text) as SnapshotUser[];
  }

  /** The canonical JSON text of a snapshot's users: the exact bytes `contentHash` covers. */
  async contentText(id: string): Promise<string> {
    if (!isUuid(id)) throw new NotFoundError('snapshot', String(id));
    const s = await this.ctx.em().findOne(Snapshot, { id }, { populate: ['content'] });
    if (!s) throw new NotFoundError('snapshot', id);
    return s.content.text;
  }

  /**
   * Who gained, lost or changed access from snapshot `fromId` to the later snapshot `toId` of the
   * same connection and tenant (see `accessChanges`); a ValidationError on `to` for snapshots of
   * two chains, on `from` unless it is the older one.
   */
  async diff(fromId: string, toId: string): Promise<SnapshotDiffBetween> {
    const em = this.ctx.em();
    const load = async (id: string) => {
      const s = isUuid(id)
        ? await em.findOne(Snapshot, { id }, { populate: ['connection', 'content'] })
        : null;
      if (!s) throw new NotFoundError('snapshot', String(id));
      return s;
    };
    const from = await load(fromId);
    const to = await load(toId);
    const chainOf = (s: Snapshot) => `${connectionKey(s.connection)} tenant ${s.tenantId}`;
    if (from.connection.id !== to.connection.id || from.tenantId !== to.tenantId)
      throw new ValidationError(
        'to',
        `is a snapshot of ${chainOf(to)}, from of ${chainOf(from)}: both must be of one connection and tenant`,
      );
    if (from.sequence >= to.sequence)
      throw new ValidationError(
        'from',
        `must be older than to (from is snapshot ${from.sequence} of ${chainOf(from)}, to is snapshot ${to.sequence})`,
      );
    const usersOf = (s: Snapshot) => JSON.parse(s.content.text) as SnapshotUser[];
    return {
      from: { id: from.id, takenAt: from.takenAt },
      to: { id: to.id, takenAt: to.takenAt },
      diff: accessChanges(diffUsers(usersOf(from), usersOf(to))),
    };
  }

  /**
   * The tenant's chain export (version 2, see README "Chain export"), written as it is read from
   * the database; null when the tenant has no snapshots.
   */
  async exportChain(
    connection: ConnectionRef,
    tenantId: string,
    options: ChainVerifyOptions = {},
  ): Promise<ChainExportStream | null> {
    const chain = await openChain(this.ctx.em(), connection, tenantId);
    return chain && new ChainExportStream(chain, options.expect, options.progress);
  }

  /** Every chain in the database, deleted connections' too (see `listChains`). */
  async chains(): Promise<ChainRef[]> {
    return listChains(this.ctx.em());
  }

  /**
   * Tenants the connections list without a chain, and connections whose newest snapshot is older
   * than their last sync (see `listChainGaps`): what verifying each chain cannot find.
   */
  async chainGaps(): Promise<ChainGap[]> {
    return listChainGaps(this.ctx.em());
  }

  /**
   * Recomputes every hash of the tenant's chain and checks every link, page by page, derives each
   * snapshot's diff and counts again from the users (`DerivedCheck`), and checks that the chain
   * holds the links `options.expect` names.
   */
  async verifyChain(
    connection: ConnectionRef,
    tenantId: string,
    options: ChainVerifyOptions = {},
  ): Promise<ChainVerification> {
    const verifier = new ChainVerifier();
    verifier.identify({ connection: connectionKey(connection), tenantId });
    verifier.expect(options.expect ?? []);
    const chain = await openChain(this.ctx.em(), connection, tenantId);
    if (chain?.checkpoint) verifier.start(chain.checkpoint);
    if (chain)
      for await (const part of withDerivedCheck(chain, verifier, options.progress))
        verifyPart(verifier, part);
    const result = verifier.result();
    if (!chain || !result.checkpoint) return result;
    const audited = await checkpointAudited(
      this.ctx.em(),
      chain.connection,
      tenantId,
      result.checkpoint,
    );
    return { ...result, checkpoint: { ...result.checkpoint, audited } };
  }
}

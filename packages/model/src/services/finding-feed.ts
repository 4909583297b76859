import type { SqlEntityManager } from '@mikro-orm/knex';
import type { FindingEventType } from '../entities/finding-event.js';
import type { FindingStatus } from '../entities/finding.js';
import { CursorGoneError, PageRequestError } from '../errors.js';
import { isUuid } from '../ids.js';
import type { Dialect } from '../orm/database-url.js';
import { findConnection } from './connections.js';
import type { ConnectionRef } from './context.js';
import {
  decodeCursor,
  decodeTimeCursor,
  encodeCursor,
  pageSize,
  type PageRequest,
} from './pagination.js';
import { rowDate } from './row-date.js';

/** One state change of a finding, as the changes feed lists it: the event and what it is about. */
export interface FindingChange {
  /** The event's id (as in the finding's history). */
  id: string;
  type: FindingEventType;
  fromStatus: FindingStatus | null;
  toStatus: FindingStatus;
  at: Date;
  /** Who did it; null for the reconciler. */
  actor: string | null;
  note: string | null;
  /**
   * The evaluation that made the change; for `accepted`, the finding's evidence snapshot as it was
   * accepted; null for other changes people make and for the expiry sweep.
   */
  snapshotId: string | null;
  findingId: string;
  connection: ConnectionRef;
  tenantId: string;
  check: string;
  subject: { kind: string; id: string };
}

export interface FindingFeedPage {
  items: FindingChange[];
  /**
   * Where the next read starts: after the last item, or the cursor read from when there was none
   * (null only before the first change). Unlike a listing's, it is never null once given: keep it
   * and read from it again later for what happens meanwhile.
   */
  nextCursor: string | null;
  /** More changes are ready now: read again from `nextCursor` at once. */
  hasMore: boolean;
}

export interface FindingFeedFilter {
  connection?: ConnectionRef;
}

/** Cursor scopes: events written since the feed exists, and those written before (no position). */
const LIVE = 'finding-events';
const LEGACY = 'finding-events:before-feed';

/** Where a cursor reads from: after the event `id` (null in cursors of earlier versions). */
type Position =
  | { phase: 'legacy'; at: Date; id: string }
  | { phase: 'live'; key: string; seq: string; id: string | null };

const DIGITS = /^\d{1,19}$/;

function decodePosition(cursor: string): Position {
  let live: { value: string | number; id: string } | null = null;
  try {
    live = decodeCursor(cursor, LIVE);
  } catch (error) {
    if (!(error instanceof PageRequestError)) throw error;
  }
  if (!live) return { phase: 'legacy', ...decodeTimeCursor(cursor, LEGACY) };
  const [seq = '', id, ...rest] = live.id.split(':');
  if (
    typeof live.value !== 'string' ||
    !DIGITS.test(live.value) ||
    !DIGITS.test(seq) ||
    (id !== undefined && !isUuid(id)) ||
    rest.length > 0
  )
    throw new PageRequestError(
      'cursor',
      'is not a cursor returned by this listing (or belongs to another sort)',
    );
  return { phase: 'live', key: live.value, seq, id: id ?? null };
}

function encodePosition(p: Position): string {
  return p.phase === 'legacy'
    ? encodeCursor(LEGACY, p.at.getTime(), p.id)
    : encodeCursor(LIVE, p.key, p.id === null ? p.seq : `${p.seq}:${p.id}`);
}

const GONE =
  'names a change this database does not hold: it was restored from a backup taken before that ' +
  'change (or the cursor comes from another installation), and what changed after the backup is ' +
  'gone from it. Read the feed again from the start, without cursor: each change keeps its id, so ' +
  'skip those you hold; those you hold that it no longer lists were undone by the restore';

/**
 * The position `from` with the id of the event it is after, which the database must hold: events
 * are never deleted, so a cursor after one it does not hold was read from a database that had
 * more, i.e. before a restore to an earlier point. Following it would skip, or wait forever for,
 * the events written since the restore, which may take positions the cursor has passed already.
 */
async function heldPosition(em: SqlEntityManager, from: Position): Promise<Position> {
  const q = em.getKnex()('finding_event').select('id').limit(1);
  if (from.id !== null) q.where('id', from.id);
  if (from.phase === 'live') q.where({ feed_key: from.key, feed_seq: from.seq });
  const [held] = (await q) as { id: string }[];
  if (!held) throw new CursorGoneError(GONE);
  return { ...from, id: held.id };
}

interface Row {
  id: string;
  type: FindingEventType;
  from_status: FindingStatus | null;
  to_status: FindingStatus;
  at: unknown;
  actor: string | null;
  note: string | null;
  snapshot_id: string | null;
  finding_id: string;
  feed_key: string | number | null;
  feed_seq: string | number | null;
  tenant_id: string;
  check: string;
  subject_kind: string;
  subject_id: string;
  namespace: string;
  name: string;
}

function toChange(r: Row): FindingChange {
  return {
    id: r.id,
    type: r.type,
    fromStatus: r.from_status,
    toStatus: r.to_status,
    at: rowDate(r.at)!,
    actor: r.actor,
    note: r.note,
    snapshotId: r.snapshot_id,
    findingId: r.finding_id,
    connection: { namespace: r.namespace, name: r.name },
    tenantId: r.tenant_id,
    check: r.check,
    subject: { kind: r.subject_kind, id: r.subject_id },
  };
}

function cursorOf(r: Row): string {
  return encodePosition(
    r.feed_seq === null
      ? { phase: 'legacy', at: rowDate(r.at)!, id: r.id }
      : { phase: 'live', key: String(r.feed_key), seq: String(r.feed_seq), id: r.id },
  );
}

/**
 * Every state change of every finding, in one order that does not change, read a page at a time:
 * the events written before the feed existed first, by (at, id), then the rest by their position
 * `(feed_key, feed_seq)`, which the database gives each event as it is inserted (see
 * Migration20261207120000_finding_event_feed).
 *
 * On PostgreSQL a transaction's events become visible when it commits, not in the order they were
 * numbered, so a reader could pass a position before a transaction still in progress commits an
 * event below it. The feed therefore only lists events whose `feed_key` is at most the oldest
 * transaction id still in progress (`pg_snapshot_xmin`; keys and bound both plus the offset that
 * keeps them going after a restore, Migration20261207184500_finding_event_feed_base), read in the
 * same statement: every such transaction has ended, and every event not yet visible (of a
 * transaction in progress, or of one to come) has a greater `feed_key` (it exceeds its writer's
 * id, which is at least that xmin).
 * Positions past the cursor are therefore final, and following `nextCursor` lists every event
 * exactly once. `feed_key` also exceeds the id of every transaction completed before the write,
 * so a change made after another committed (two changes of one finding: its row lock orders them)
 * is listed after it. An event shows once the transactions that were writing when it was written
 * have ended: normally within a second, at most as long as such a transaction runs.
 *
 * SQLite has one writer at a time: events are numbered in commit order, all listed at once.
 *
 * A cursor names the event it was read up to; one the database does not hold is from before a
 * restore to an earlier point and is refused (CursorGoneError, see heldPosition).
 */
export async function findingFeedPage(
  em: SqlEntityManager,
  dialect: Dialect,
  filter: FindingFeedFilter,
  page: PageRequest,
): Promise<FindingFeedPage> {
  const limit = pageSize(page.limit);
  const from = page.cursor ? await heldPosition(em, decodePosition(page.cursor)) : null;
  let connectionId: string | undefined;
  if (filter.connection) {
    const conn = await findConnection(em, filter.connection);
    if (!conn) return { items: [], nextCursor: page.cursor ?? null, hasMore: false };
    connectionId = conn.id;
  }
  const knex = em.getKnex();
  const platform = em.getPlatform();
  const query = () => {
    const q = knex('finding_event as e')
      .join('finding as f', 'f.id', 'e.finding_id')
      .join('connection as c', 'c.id', 'f.connection_id')
      .select(
        'e.id', 'e.type', 'e.from_status', 'e.to_status', 'e.at', 'e.actor', 'e.note', 'e.snapshot_id', 'e.finding_id',
        'e.feed_key', 'e.feed_seq', 'f.tenant_id', 'f.check', 'f.subject_kind', 'f.subject_id', 'c.namespace', 'c.name',
      ); // prettier-ignore
    if (connectionId) q.where('f.connection_id', connectionId);
    return q;
  };

  const rows: Row[] = [];
  if (!from || from.phase === 'legacy') {
    const legacy = query().whereNull('e.feed_seq');
    if (from)
      legacy.whereRaw('(e.at, e.id) > (?, ?)', [
        platform.processDateProperty(from.at) as never,
        from.id,
      ]);
    rows.push(
      ...((await legacy
        .orderBy([
          { column: 'e.at', order: 'asc' },
          { column: 'e.id', order: 'asc' },
        ])
        .limit(limit + 1)) as Row[]),
    );
  }
  if (rows.length <= limit) {
    const live = query().whereNotNull('e.feed_seq');
    if (from?.phase === 'live')
      live.whereRaw('(e.feed_key, e.feed_seq) > (?, ?)', [from.key as never, from.seq as never]);
    if (dialect === 'postgresql')
      // One snapshot for the bound and the rows (one statement); an InitPlan, evaluated once.
      live.whereRaw(
        'e.feed_key <= (select pg_snapshot_xmin(pg_current_snapshot())::text::bigint + "key_offset" from "finding_event_feed_base")',
      );
    rows.push(
      ...((await live
        .orderBy([
          { column: 'e.feed_key', order: 'asc' },
          { column: 'e.feed_seq', order: 'asc' },
        ])
        .limit(limit + 1 - rows.length)) as Row[]),
    );
  }
  const hasMore = rows.length > limit;
  const served = rows.slice(0, limit);
  const last = served.at(-1);
  return {
    items: served.map(toChange),
    nextCursor: last ? cursorOf(last) : from && encodePosition(from),
    hasMore,
  };
}

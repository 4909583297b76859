import { raw } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/knex';
import { SnapshotChainCheckpoint } from '../entities/snapshot-chain-checkpoint.js';
import { SnapshotContent } from '../entities/snapshot-content.js';
import { Snapshot } from '../entities/snapshot.js';
import type { ExpectedLink } from '../hashing/expected-link.js';
import {
  ChainVerifier,
  type ChainCheckpoint,
  type ChainVerification,
} from '../hashing/snapshot-hash.js';
import {
  chainExportText,
  recordProgress,
  type ChainExportProgress,
  type ChainPart,
} from '../snapshots/chain-export.js';
import {
  DerivedCheck,
  type ContentText,
  type StoredChainEntry,
} from '../snapshots/derived-check.js';
import { withChains } from './chain-scan.js';
import { contentText } from './content-text.js';
import { findConnection } from './connections.js';
import { connectionKey, type ConnectionRef } from './context.js';

const ENTRY_PAGE = 200;
/** Contents are the large part (a few hundred bytes per user): fewer per query. */
const CONTENT_PAGE = 10;

/** A part of a chain read from the database: its entries carry what the rows store beside. */
export type StoredChainPart =
  Extract<ChainPart, { kind: 'content' }> | { kind: 'entries'; entries: StoredChainEntry[] };

export interface OpenChain {
  connection: string;
  tenantId: string;
  /** Where the chain starts when retention pruned its oldest snapshots. */
  checkpoint?: ChainCheckpoint;
  /**
   * Each distinct content once, then the entries oldest first, in pages from the database. A
   * content whose row is gone is left out: the entries using it are `content-missing`.
   */
  parts: AsyncGenerator<StoredChainPart>;
  /** A content's text, for deriving the entries' diffs and counts again. */
  textOf: ContentText;
}

/**
 * A tenant's chain up to its current head, or null when it has no snapshots. Snapshots and
 * contents are write-once, so the pages read later are those of the head read now: a snapshot
 * recorded meanwhile is not part of this read.
 */
export async function openChain(
  em: SqlEntityManager,
  ref: ConnectionRef,
  tenantId: string,
): Promise<OpenChain | null> {
  const conn = await findConnection(em, ref);
  if (!conn) return null;
  const head = await em.findOne(
    Snapshot,
    { connection: conn, tenantId },
    { orderBy: { sequence: 'desc' }, fields: ['sequence'] },
  );
  if (!head) return null;
  const last = head.sequence;
  // A prune moves the checkpoint in the transaction that deletes: the snapshots after it are
  // there now. One that commits while the pages below are read shows as a gap (README).
  const start = await em.findOne(SnapshotChainCheckpoint, { connection: conn, tenantId });
  const checkpoint = start
    ? { sequence: start.sequence, chainHash: start.chainHash, takenAt: start.takenAt }
    : undefined;
  const first = checkpoint?.sequence ?? 0;
  const scope = { connection: conn.id, tenantId, sequence: { $gt: first, $lte: last } };
  const connection = connectionKey(conn);

  async function* parts(): AsyncGenerator<StoredChainPart> {
    const hashes = (
      (await em
        .createQueryBuilder(Snapshot, 's')
        .select([raw('s.content_hash as hash'), raw('min(s.sequence) as first')])
        .where(scope)
        .groupBy('s.content_hash')
        .orderBy({ [raw('min(s.sequence)')]: 'asc' })
        .execute('all', false)) as { hash: string }[]
    ).map((r) => r.hash);
    for (let i = 0; i < hashes.length; i += CONTENT_PAGE) {
      const page = hashes.slice(i, i + CONTENT_PAGE);
      const rows = await em.find(SnapshotContent, { hash: { $in: page } });
      const text = new Map(rows.map((c) => [c.hash, c.text]));
      em.clear();
      for (const hash of page) {
        const found = text.get(hash);
        // Only by hand (the foreign key keeps a content in use): reported, not a crash.
        if (found !== undefined) yield { kind: 'content', hash, text: found };
      }
    }
    for (let after = first; ;) {
      const page = await em.find(
        Snapshot,
        { ...scope, sequence: { $gt: after, $lte: last } },
        {
          orderBy: { sequence: 'asc' },
          limit: ENTRY_PAGE,
          fields: [
            'tenantId',
            'tenantName',
            'sequence',
            'takenAt',
            'content',
            'previousHash',
            'chainHash',
            'userCount',
            'activeUserCount',
            'diff',
          ],
        },
      );
      const entries: StoredChainEntry[] = page.map((s) => ({
        id: s.id,
        connection,
        tenantId: s.tenantId,
        tenantName: s.tenantName,
        sequence: s.sequence,
        takenAt: s.takenAt,
        contentHash: s.content.hash,
        previousHash: s.previousHash,
        chainHash: s.chainHash,
        stored: { userCount: s.userCount, activeUserCount: s.activeUserCount, diff: s.diff },
      }));
      // Entities of earlier pages are not needed again; keep the identity map small.
      em.clear();
      yield { kind: 'entries', entries };
      if (page.length < ENTRY_PAGE) return;
      after = page.at(-1)!.sequence;
    }
  }
  return {
    connection,
    tenantId,
    ...(checkpoint && { checkpoint }),
    parts: parts(),
    textOf: (hash) => contentText(em, hash),
  };
}

/**
 * The chain's parts for `verifier`, which verifies each one's links (`verifyPart`) as it takes it;
 * once it has, the entries' diffs and counts are derived again (`DerivedCheck`) and what differs
 * is reported to it. `progress` is told the records verified so far (`recordProgress`).
 */
export async function* withDerivedCheck(
  chain: OpenChain,
  verifier: ChainVerifier,
  progress?: ChainExportProgress,
): AsyncGenerator<ChainPart> {
  const derived = new DerivedCheck(chain.textOf);
  const verified = recordProgress(progress);
  for await (const part of chain.parts) {
    yield part;
    if (part.kind !== 'entries') continue;
    for (const entry of part.entries)
      for (const problem of await derived.check(entry)) verifier.report(problem);
    verified(part.entries.length);
  }
}

/** One tenant's chain of one connection. */
export interface ChainRef {
  connection: ConnectionRef;
  tenantId: string;
}

/**
 * Every chain the database holds: each connection and tenant with a snapshot or a checkpoint,
 * deleted connections included (their chains are evidence), by `namespace/name` then tenant id,
 * compared character by character. A checkpoint whose snapshots are all gone is listed too:
 * retention always keeps the newest snapshot, so verifying that chain must fail, not skip it.
 */
export async function listChains(em: SqlEntityManager): Promise<ChainRef[]> {
  type Row = { namespace: string; name: string; tenant_id: string };
  const rows = [
    ...(await em.execute<Row[]>(
      withChains(em.getKnex(), 'all')
        .select('c.namespace', 'c.name', 'chain.tenant_id')
        .from('chain')
        .join('connection as c', 'c.id', 'chain.connection_id'),
    )),
    // One checkpoint per chain at most (unique): as many rows as chains, however long they are.
    ...((await em
      .createQueryBuilder(SnapshotChainCheckpoint, 'k')
      .select(['c.namespace', 'c.name', raw('k.tenant_id as tenant_id')])
      .join('k.connection', 'c')
      .execute('all', false)) as Row[]),
  ];
  const chains = new Map<string, ChainRef>();
  for (const { namespace, name, tenant_id: tenantId } of rows)
    chains.set(`${namespace}/${name}\u0000${tenantId}`, {
      connection: { namespace, name },
      tenantId,
    });
  return [...chains.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, chain]) => chain);
}

/**
 * A chain export being written: its text, then the verification of exactly that text, with the
 * links `expect`ed, and the diffs and counts of its snapshots as the database stores them (which
 * the export does not hold). `progress` is told the records written and verified so far.
 */
export class ChainExportStream {
  private readonly verifier = new ChainVerifier();
  private finished = false;

  constructor(
    private readonly chain: OpenChain,
    expect: readonly ExpectedLink[] = [],
    private readonly progress?: ChainExportProgress,
  ) {
    this.verifier.expect(expect);
  }

  /** The export (version 2) in pieces of one content or one page of records; read it once. */
  async *text(): AsyncGenerator<string> {
    const { connection, tenantId, checkpoint } = this.chain;
    const parts = withDerivedCheck(this.chain, this.verifier, this.progress);
    yield* chainExportText({ connection, tenantId, checkpoint }, parts, this.verifier);
    this.finished = true;
  }

  /** What the export's `verification` says; known once `text()` has been read to its end. */
  verification(): ChainVerification {
    if (!this.finished) throw new Error('the chain export has not been read to its end');
    return this.verifier.result();
  }
}

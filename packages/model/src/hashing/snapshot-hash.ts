import { createHash } from 'node:crypto';
import type { SnapshotUser } from '../snapshots/snapshot-user.js';
import { canonicalJson } from './canonical-json.js';
import type { ExpectedLink } from './expected-link.js';

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The exact bytes a snapshot's `contentHash` covers: canonical JSON of the users, sorted by userId. */
export function snapshotContentText(users: readonly SnapshotUser[]): string {
  return canonicalJson(users);
}

/**
 * `sha256Hex(snapshotContentText(users))`, fed to the hash one user at a time: an unchanged sync
 * of a large tenant (23 MB of text for 100,000 users) learns its content is stored already
 * without building the text. Pieces end between JSON values, never inside a string, so their
 * UTF-8 is the text's.
 */
export function snapshotContentHash(users: readonly SnapshotUser[]): string {
  const hash = createHash('sha256').update('[');
  users.forEach((user, i) => hash.update(`${i === 0 ? '' : ','}${canonicalJson(user)}`, 'utf8'));
  return hash.update(']').digest('hex');
}

/** The fields one link of a tenant's hash chain commits to. */
export interface ChainLink {
  connection: string;
  tenantId: string;
  tenantName: string;
  sequence: number;
  takenAt: Date;
  contentHash: string;
  previousHash: string | null;
}

export const CHAIN_VERSION = 1;

/** The exact text a snapshot's `chainHash` covers (see README, "Hash chain"). */
export function chainLinkText(link: ChainLink): string {
  return canonicalJson({
    v: CHAIN_VERSION,
    connection: link.connection,
    tenantId: link.tenantId,
    tenantName: link.tenantName,
    sequence: link.sequence,
    takenAt: link.takenAt.toISOString(),
    contentHash: link.contentHash,
    previousHash: link.previousHash,
  });
}

export function chainHash(link: ChainLink): string {
  return sha256Hex(chainLinkText(link));
}

/** One link as exported: the link fields, the snapshot's id and its recorded chainHash. */
export interface ChainEntry extends ChainLink {
  id: string;
  chainHash: string;
}

/** A link carrying its own content (chain export format 1). */
export interface ChainRecord extends ChainEntry {
  /** The canonical users text as stored; its sha256 must equal contentHash. */
  contentText: string;
}

/** Which chain: every link of a tenant's chain has the same connection and tenant. */
export interface ChainIdentity {
  /** namespace/name */
  connection: string;
  tenantId: string;
}

/**
 * What verification can find. `diff-mismatch` and `user-count-mismatch` only against the database
 * (an export holds no diffs or counts); `expected-link-*` only when links were expected (`expect`).
 */
export const CHAIN_PROBLEMS = [
  'chain-identity-mismatch',
  'content-hash-mismatch',
  'content-missing',
  'chain-hash-mismatch',
  'previous-hash-mismatch',
  'sequence-gap',
  'diff-mismatch',
  'user-count-mismatch',
  'expected-link-missing',
  'expected-link-mismatch',
] as const;

export interface ChainProblem {
  /** The snapshot at fault; null for an expected link the chain does not hold. */
  snapshotId: string | null;
  sequence: number;
  problem: (typeof CHAIN_PROBLEMS)[number];
  detail: string;
}

/**
 * Where a chain starts when its oldest snapshots were pruned (retention): the last pruned
 * snapshot's sequence and chainHash. The first remaining link must follow it.
 */
export interface ChainCheckpoint {
  sequence: number;
  chainHash: string;
  takenAt: Date;
}

export interface ChainVerification {
  ok: boolean;
  /**
   * The chain verified: the one named (`ChainVerifier.identify`: an export's `connection` and
   * `tenantId`, the chain asked of the database), else its first link's; absent when nothing
   * named one (an export of version 1 without links).
   */
  connection?: string;
  tenantId?: string;
  /** Links verified: those after the checkpoint, when there is one. */
  length: number;
  /**
   * The newest link's sequence and chainHash; null without links. Kept outside the database, they
   * are what `expect` checks a later verification against (`verify-chain --expect
   * <headSequence>:<headHash>`): the only way to find snapshots deleted from the head.
   */
  headSequence: number | null;
  headHash: string | null;
  problems: ChainProblem[];
  /** The checkpoint the chain was verified from; absent when it starts at sequence 1. */
  checkpoint?: {
    sequence: number;
    chainHash: string;
    takenAt: string;
    /**
     * Verified in the database only (`snapshots.verifyChain`): whether the audit log's newest
     * `snapshot.prune` entry of this chain names this sequence and chainHash. A report, not a
     * check: `ok` does not depend on it (README, "Snapshot retention").
     */
    audited?: boolean;
  };
}

/**
 * Verifies a tenant's chain incrementally, oldest first: each snapshot is of the chain verified
 * (its connection and tenant), its content hashes to its contentHash, its link fields hash to its
 * chainHash, and it points at its predecessor's chainHash with the next sequence number. Keeps only the previous link and one digest per
 * distinct content, so a chain of any length is verified in memory bounded by its contents.
 *
 * Contents come either with each record (`add`) or once per distinct content (`addContent`,
 * before the entries referring to it through `addEntry`).
 */
export class ChainVerifier {
  private readonly problems: ChainProblem[] = [];
  /** chainHash by sequence of the links the chain must hold (`expect`), and those found. */
  private readonly expected = new Map<number, string>();
  private readonly found = new Set<number>();
  /** sha256 of the text given for each content hash: the hash an entry claims is checked against it. */
  private readonly contentDigests = new Map<string, string>();
  private previous: { sequence: number; chainHash: string } | undefined;
  private checkpoint: ChainCheckpoint | undefined;
  private length = 0;
  /** The chain every link must belong to: the one named, else the first link's. */
  private chain: (ChainIdentity & { named: boolean }) | undefined;
  /** The first link, and how many links shared its chain before one was named. */
  private first: { at: { snapshotId: string; sequence: number }; unnamed: number } | undefined;

  /**
   * The chain every link must belong to (an export's header). Given once, before the links or
   * after them (a file with sorted keys names it after its records): the links read before were
   * checked against the first one, so that one is reported if it is of another chain.
   */
  identify(chain: ChainIdentity): void {
    if (this.chain?.named) throw new Error('a chain is named once');
    const before = this.chain;
    this.chain = { connection: chain.connection, tenantId: chain.tenantId, named: true };
    if (!before || sameChain(before, chain)) return;
    const others = this.first!.unnamed - 1;
    const alike =
      others === 0
        ? ''
        : others === 1
          ? ' (nor is the link after it, read before the name)'
          : ` (nor are the ${others} links after it, read before the name)`;
    this.problems.push({
      ...this.first!.at,
      problem: 'chain-identity-mismatch',
      detail: `of ${chainName(before)}, not of the chain named, ${chainName(chain)}${alike}`,
    });
  }

  /** The chain starts after `checkpoint` instead of at sequence 1; given before any link. */
  start(checkpoint: ChainCheckpoint): void {
    if (this.previous) throw new Error('a chain checkpoint comes before the links');
    this.checkpoint = checkpoint;
    this.previous = { sequence: checkpoint.sequence, chainHash: checkpoint.chainHash };
  }

  /**
   * Links the chain must hold (heads kept from earlier verifications): a link of that sequence
   * with another chainHash is an `expected-link-mismatch`, none an `expected-link-missing` (the
   * newest snapshots deleted, or, before the checkpoint, pruned). Given before the links.
   */
  expect(links: readonly ExpectedLink[]): void {
    if (this.length > 0) throw new Error('expected links come before the links');
    for (const link of links) this.expected.set(link.sequence, link.chainHash);
  }

  /** A problem found beside the links (the database's diffs and counts: derived-check.ts). */
  report(problem: ChainProblem): void {
    this.problems.push(problem);
  }

  add(record: ChainRecord): void {
    this.check(record, sha256Hex(record.contentText));
  }

  addContent(contentHash: string, text: string): void {
    this.contentDigests.set(contentHash, sha256Hex(text));
  }

  addEntry(entry: ChainEntry): void {
    this.check(entry, this.contentDigests.get(entry.contentHash) ?? null);
  }

  /** `contentDigest`: the sha256 of the content given for this entry, null when none was. */
  private check(record: ChainEntry, contentDigest: string | null): void {
    const at = { snapshotId: record.id, sequence: record.sequence };
    this.checkChain(record, at);
    if (contentDigest === null) {
      this.problems.push({
        ...at,
        problem: 'content-missing',
        detail: `no content with hash ${record.contentHash} was given`,
      });
    } else if (contentDigest !== record.contentHash) {
      this.problems.push({
        ...at,
        problem: 'content-hash-mismatch',
        detail: `users hash to ${contentDigest}, recorded ${record.contentHash}`,
      });
    }
    const computed = chainHash(record);
    if (computed !== record.chainHash) {
      this.problems.push({
        ...at,
        problem: 'chain-hash-mismatch',
        detail: `link hashes to ${computed}, recorded ${record.chainHash}`,
      });
    }
    const expectedPrevious = this.previous ? this.previous.chainHash : null;
    if (record.previousHash !== expectedPrevious) {
      this.problems.push({
        ...at,
        problem: 'previous-hash-mismatch',
        detail: `previousHash ${record.previousHash ?? 'null'}, ${this.length === 0 && this.checkpoint ? "the checkpoint's" : "predecessor's"} chainHash ${expectedPrevious ?? 'null (first link)'}`,
      });
    }
    const expectedSequence = this.previous ? this.previous.sequence + 1 : 1;
    if (record.sequence !== expectedSequence) {
      this.problems.push({
        ...at,
        problem: 'sequence-gap',
        detail: `sequence ${record.sequence}, expected ${expectedSequence}`,
      });
    }
    const expected = this.expected.get(record.sequence);
    if (expected !== undefined) {
      this.found.add(record.sequence);
      if (record.chainHash !== expected)
        this.problems.push({
          ...at,
          problem: 'expected-link-mismatch',
          detail: `chainHash ${record.chainHash}, expected ${expected}`,
        });
    }
    this.previous = { sequence: record.sequence, chainHash: record.chainHash };
    this.length++;
  }

  /** The expected links no record was: the checkpoint's, or missing (reported in `result`). */
  private unmatchedExpected(): ChainProblem[] {
    const problems: ChainProblem[] = [];
    const checkpoint = this.checkpoint;
    const head = this.length > 0 ? this.previous!.sequence : undefined;
    for (const [sequence, chainHash] of this.expected) {
      if (this.found.has(sequence)) continue;
      const at = { snapshotId: null, sequence };
      if (checkpoint && sequence === checkpoint.sequence) {
        if (chainHash !== checkpoint.chainHash)
          problems.push({
            ...at,
            problem: 'expected-link-mismatch',
            detail: `the checkpoint (the last pruned link) has chainHash ${checkpoint.chainHash}, expected ${chainHash}`,
          });
        continue;
      }
      problems.push({
        ...at,
        problem: 'expected-link-missing',
        detail:
          checkpoint && sequence < checkpoint.sequence
            ? `pruned: the chain starts after its checkpoint at sequence ${checkpoint.sequence}; compare an export kept from before the prune, and keep a newer head`
            : head === undefined
              ? 'the chain holds no links: its snapshots were deleted'
              : head < sequence
                ? `the chain ends at sequence ${head}: the snapshots after it were deleted`
                : 'no link has this sequence',
      });
    }
    return problems;
  }

  /** A link of another connection or tenant would let one chain pass for another. */
  private checkChain(record: ChainEntry, at: { snapshotId: string; sequence: number }): void {
    if (!this.chain) {
      this.chain = { connection: record.connection, tenantId: record.tenantId, named: false };
      this.first = { at, unnamed: 0 };
    }
    if (sameChain(record, this.chain)) {
      if (!this.chain.named) this.first!.unnamed++;
      return;
    }
    this.problems.push({
      ...at,
      problem: 'chain-identity-mismatch',
      detail: `of ${chainName(record)}, not of the chain ${this.chain.named ? 'named' : 'of its first link'}, ${chainName(this.chain)}`,
    });
  }

  result(): ChainVerification {
    const checkpoint = this.checkpoint;
    const chain = this.chain;
    const problems = [...this.problems, ...this.unmatchedExpected()];
    return {
      ok: problems.length === 0,
      ...(chain && { connection: chain.connection, tenantId: chain.tenantId }),
      length: this.length,
      // A checkpoint alone is no chain: its head is what comes after it.
      headSequence: this.length > 0 ? this.previous!.sequence : null,
      headHash: this.length > 0 ? this.previous!.chainHash : null,
      problems,
      ...(checkpoint && {
        checkpoint: {
          sequence: checkpoint.sequence,
          chainHash: checkpoint.chainHash,
          takenAt: checkpoint.takenAt.toISOString(),
        },
      }),
    };
  }
}

function sameChain(a: ChainIdentity, b: ChainIdentity): boolean {
  return a.connection === b.connection && a.tenantId === b.tenantId;
}

function chainName(chain: ChainIdentity): string {
  return `${chain.connection} tenant ${chain.tenantId}`;
}

/** Verifies a whole chain held in memory (e.g. an evidence export); pure, no database needed. */
export function verifyChainRecords(records: readonly ChainRecord[]): ChainVerification {
  const verifier = new ChainVerifier();
  for (const record of records) verifier.add(record);
  return verifier.result();
}
